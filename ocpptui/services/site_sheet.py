"""The site sheet: which chargers a site expects, read from `site.toml` or a CSV table.

    [site]                              identity,location,profile,target_firmware,firmware
    name = "Car park A"                 CP-A1,Bay 1,car-park-a.toml,1.4.2,fw-1.4.2.bin
    timeout = 900                       CP-A2,Bay 2,car-park-a.toml,1.4.2,fw-1.4.2.bin

    [[charger]]
    identity = "CP-A1"
    location = "Bay 1"
    profile = "car-park-a.toml"
    target_firmware = "1.4.2"
    firmware = "fw-1.4.2.bin"

Files are relative to the sheet. Strict like the settings loader: an unknown key or column
(with the closest known name), a value of the wrong type, a duplicate identity, a file that
is not there or a profile that does not load is an error naming the file, the line and why.
"""

from __future__ import annotations

import csv
import io
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ocpptui.core.identity import BadIdentity, identity_from_path
from ocpptui.core.text_files import read_text_file
from ocpptui.services.profiles import Profile, ProfileError, load_profile
from ocpptui.settings.reader import closest_name

#: A sheet is a page or two of text: anything much bigger is refused before it is parsed.
MAX_SHEET_BYTES = 1 << 20
#: Seconds a site run waits for every charger when the sheet does not say.
DEFAULT_TIMEOUT = 1800.0
MAX_TIMEOUT = 7 * 86_400.0
#: Chargers downloading at once when neither the sheet nor --parallel says.
DEFAULT_PARALLEL = 2
MAX_PARALLEL = 64
MAX_CHARGERS = 1000

#: The columns of a charger (TOML keys of [[charger]], CSV header names).
CHARGER_COLUMNS = ("identity", "location", "profile", "target_firmware", "firmware")
SITE_KEYS = ("name", "timeout", "parallel", "installer")


class SiteSheetError(ValueError):
    """The sheet cannot be used as written; the message names the file, the line and why."""


@dataclass(frozen=True, slots=True)
class SheetCharger:
    """One expected charger and what it should end up with."""

    identity: str
    location: str = ""
    profile: Path | None = None
    target_firmware: str | None = None
    firmware: Path | None = None
    line: int | None = None

    def values(self) -> dict[str, str]:
        """The sheet values steps may use as `{name}` (only those the sheet gives)."""
        found = {
            "identity": self.identity,
            "location": self.location,
            "profile": str(self.profile) if self.profile else "",
            "target_firmware": self.target_firmware or "",
            "firmware": str(self.firmware) if self.firmware else "",
        }
        return {name: value for name, value in found.items() if value or name == "location"}


@dataclass(slots=True)
class SiteSheet:
    name: str
    chargers: list[SheetCharger]
    timeout: float = DEFAULT_TIMEOUT
    parallel: int | None = None
    installer: str = ""
    source: Path | None = None
    profiles: dict[Path, Profile] = field(default_factory=dict)
    """Every profile the sheet names, loaded (so a broken one fails before the run)."""

    def charger(self, identity: str) -> SheetCharger | None:
        return next((c for c in self.chargers if c.identity == identity), None)

    @property
    def identities(self) -> list[str]:
        return [charger.identity for charger in self.chargers]

    def profile_for(self, charger: SheetCharger) -> Profile | None:
        return self.profiles.get(charger.profile) if charger.profile else None


# ------------------------------------------------------------------------------ reading


def read_sheet_text(path: Path) -> str:
    """The sheet's text (a UTF-8 byte-order mark, as spreadsheets write, is dropped)."""
    return read_text_file(path, MAX_SHEET_BYTES, "site sheet", SiteSheetError)


def load_sheet(path: Path) -> SiteSheet:
    """Read and check a site sheet: CSV for a `.csv` file, TOML otherwise."""
    text = read_sheet_text(path)
    if path.suffix.lower() in (".csv", ".tsv"):
        return parse_csv_sheet(text, path)
    return parse_toml_sheet(text, path)


class _Where:
    """Builds `file:line: reason` messages."""

    def __init__(self, source: Path | None) -> None:
        self.name = str(source) if source else "site sheet"

    def error(self, line: int | None, reason: str) -> SiteSheetError:
        return SiteSheetError(f"{self.name}:{line}: {reason}" if line else f"{self.name}: {reason}")


def _hint(word: str, known: tuple[str, ...]) -> str:
    guess = closest_name(word, known)
    return f"did you mean {guess}?" if guess else f"known: {', '.join(known)}"


def _shown(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ------------------------------------------------------------------------------ TOML


def _header_lines(lines: list[str], name: str) -> list[int]:
    pattern = re.compile(rf"^\s*\[\[\s*{re.escape(name)}\s*\]\]")
    return [number for number, line in enumerate(lines, 1) if pattern.match(line)]


def _table_line(lines: list[str], name: str) -> int | None:
    pattern = re.compile(rf"^\s*\[\[?\s*{re.escape(name)}\s*[\].]")
    top = re.compile(rf"^\s*(?:{re.escape(name)}|\"{re.escape(name)}\")\s*=")
    for number, line in enumerate(lines, 1):
        if pattern.match(line) or top.match(line):
            return number
    return None


def _key_line(lines: list[str], key: str, first: int, last: int | None) -> int | None:
    """1-based line of `key = ...` between lines `first` and `last` (inclusive)."""
    quoted = re.escape(key)
    pattern = re.compile(rf"^\s*(?:{quoted}|\"{quoted}\"|'{quoted}')\s*=")
    stop = len(lines) if last is None else min(last, len(lines))
    for number in range(max(first, 1), stop + 1):
        if pattern.match(lines[number - 1]):
            return number
    return None


def parse_toml_sheet(text: str, source: Path | None = None) -> SiteSheet:
    """A `site.toml`: a [site] table and one [[charger]] table per charger."""
    where = _Where(source)
    lines = text.splitlines()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise where.error(None, str(exc)) from None
    except RecursionError:
        raise where.error(None, "values are nested too deeply") from None
    for name in data:
        if name not in ("site", "charger"):
            line = _table_line(lines, name)
            guess = closest_name(name, ("site", "charger"))
            hint = (
                f"did you mean {'[[charger]]' if guess == 'charger' else '[site]'}?"
                if guess
                else "a sheet has [site] and [[charger]] tables"
            )
            raise where.error(line, f"unknown table {name!r}; {hint}")
    site = data.get("site", {})
    site_line = _table_line(lines, "site")
    if not isinstance(site, dict):
        raise where.error(site_line, "site must be a [site] table")
    site_end = _next_header(lines, site_line)
    for key in site:
        if key not in SITE_KEYS:
            line = _key_line(lines, key, site_line or 1, site_end)
            raise where.error(line, f"[site] {key}: unknown key; {_hint(key, SITE_KEYS)}")

    def site_line_of(key: str) -> int | None:
        return _key_line(lines, key, site_line or 1, site_end) or site_line

    name = _site_text(site, "name", site_line_of, where)
    installer = _site_text(site, "installer", site_line_of, where)
    timeout = site.get("timeout", DEFAULT_TIMEOUT)
    if (
        not isinstance(timeout, (int, float))
        or isinstance(timeout, bool)
        or not math.isfinite(timeout)
        or not 1 <= timeout <= MAX_TIMEOUT
    ):
        raise where.error(
            site_line_of("timeout"),
            f"[site] timeout must be a number of seconds from 1 to {MAX_TIMEOUT:g}, "
            f"got {_shown(timeout)}",
        )
    parallel = site.get("parallel")
    if parallel is not None and not (type(parallel) is int and 1 <= parallel <= MAX_PARALLEL):
        raise where.error(
            site_line_of("parallel"),
            f"[site] parallel must be a whole number from 1 to {MAX_PARALLEL}, "
            f"got {_shown(parallel)}",
        )
    rows = data.get("charger", [])
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise where.error(
            _table_line(lines, "charger"),
            "chargers are [[charger]] tables (two brackets), one per charger",
        )
    starts = _header_lines(lines, "charger")
    entries: list[tuple[int | None, dict[str, Any], Any]] = []
    for index, row in enumerate(rows):
        start = starts[index] if index < len(starts) else None
        end = starts[index + 1] - 1 if index + 1 < len(starts) else None

        def line_of(key: str, start: int | None = start, end: int | None = end) -> int | None:
            return (_key_line(lines, key, start, end) if start else None) or start

        entries.append((start, row, line_of))
    sheet = SiteSheet(
        name or (source.stem if source else "site"),
        [],
        float(timeout),
        parallel,
        installer or "",
        source,
    )
    _add_chargers(sheet, entries, where, typed=True)
    return sheet


def _next_header(lines: list[str], after: int | None) -> int | None:
    """The line before the next table header after line `after` (the end of that table)."""
    if after is None:
        return None
    for number in range(after + 1, len(lines) + 1):
        if re.match(r"^\s*\[", lines[number - 1]):
            return number - 1
    return None


def _site_text(site: dict[str, Any], key: str, line_of, where: _Where) -> str | None:
    value = site.get(key)
    if value is not None and not isinstance(value, str):
        raise where.error(line_of(key), f"[site] {key} must be a string, got {_shown(value)}")
    return value


# ------------------------------------------------------------------------------ CSV


def _delimiter(header: str) -> str:
    """The header's separator: spreadsheets in many locales write `;`, some tabs."""
    counts = {mark: header.count(mark) for mark in (",", ";", "\t")}
    best = max(counts, key=lambda mark: counts[mark])
    return best if counts[best] else ","


def parse_csv_sheet(text: str, source: Path | None = None) -> SiteSheet:
    """A CSV table: a header row naming the columns, then one charger per row."""
    where = _Where(source)
    first = next((line for line in text.splitlines() if line.strip()), "")
    if not first:
        raise where.error(None, "empty: the first row names the columns, e.g. identity,location")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first))
    header: list[str] | None = None
    header_line = 0
    entries: list[tuple[int | None, dict[str, Any], Any]] = []
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue  # blank lines between groups of chargers
            if header is None:
                header, header_line = [cell.strip() for cell in row], line
                _check_header(header, header_line, where)
                continue
            if len(row) > len(header) and any(cell.strip() for cell in row[len(header) :]):
                raise where.error(
                    line, f"{len(row)} cells but the header names {len(header)} columns"
                )
            values = {
                column: cell.strip()
                for column, cell in zip(header, row, strict=False)
                if column and cell.strip()
            }
            entries.append((line, values, lambda key, line=line: line))
    except csv.Error as exc:
        raise where.error(reader.line_num, f"not a CSV table: {exc}") from None
    sheet = SiteSheet(source.stem if source else "site", [], source=source)
    _add_chargers(sheet, entries, where, typed=False)
    return sheet


def _check_header(header: list[str], line: int, where: _Where) -> None:
    seen: set[str] = set()
    for column in header:
        if not column:
            continue
        if column not in CHARGER_COLUMNS:
            raise where.error(line, f"unknown column {column!r}; {_hint(column, CHARGER_COLUMNS)}")
        if column in seen:
            raise where.error(line, f"column {column!r} is named twice")
        seen.add(column)
    if "identity" not in seen:
        raise where.error(line, "no identity column: the first row names the columns")


# ------------------------------------------------------------------------------ chargers


def _add_chargers(
    sheet: SiteSheet,
    entries: list[tuple[int | None, dict[str, Any], Any]],
    where: _Where,
    *,
    typed: bool,
) -> None:
    """Check every charger row and add it to the sheet (files resolved against the sheet)."""
    if not entries:
        raise where.error(None, "no chargers: add a [[charger]] table (or a CSV row) per charger")
    if len(entries) > MAX_CHARGERS:
        raise where.error(None, f"more than {MAX_CHARGERS} chargers")
    folder = sheet.source.parent if sheet.source is not None else Path.cwd()
    first_line: dict[str, int | None] = {}
    for start, row, line_of in entries:
        for key in row:
            if key not in CHARGER_COLUMNS:
                raise where.error(
                    line_of(key), f"[[charger]] {key}: unknown key; {_hint(key, CHARGER_COLUMNS)}"
                )
        for key, value in row.items():
            if typed and not isinstance(value, str):
                fix = ' (quote it: "1.4.2")' if isinstance(value, (int, float)) else ""
                raise where.error(line_of(key), f"{key} must be a string{fix}, got {_shown(value)}")
        identity = row.get("identity")
        if not identity:
            raise where.error(start, "a charger without identity (identity is required)")
        try:
            identity_from_path("/" + quote(identity, safe=""))
        except BadIdentity as exc:
            raise where.error(
                line_of("identity"), f"{identity!r} cannot be a charger's identity: {exc}"
            ) from None
        if identity in first_line:
            earlier = first_line[identity]
            also = f" (also on line {earlier})" if earlier else ""
            raise where.error(line_of("identity"), f"duplicate identity {identity!r}{also}")
        first_line[identity] = line_of("identity")
        files: dict[str, Path | None] = {}
        for key in ("profile", "firmware"):
            name = row.get(key)
            if not name:
                files[key] = None
                continue
            path = Path(name).expanduser()
            path = path if path.is_absolute() else folder / path
            if not path.is_file():
                raise where.error(line_of(key), f"{key}: no such file: {path}")
            files[key] = path
        profile_path = files["profile"]
        if profile_path is not None and profile_path not in sheet.profiles:
            try:
                sheet.profiles[profile_path] = load_profile(profile_path)
            except ProfileError as exc:
                raise where.error(line_of("profile"), f"profile does not load: {exc}") from None
        sheet.chargers.append(
            SheetCharger(
                identity,
                row.get("location", ""),
                profile_path,
                row.get("target_firmware") or None,
                files["firmware"],
                start,
            )
        )
