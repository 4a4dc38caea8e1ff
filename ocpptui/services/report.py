"""The commissioning report: one folder per export, Markdown and HTML for people, JSON behind.

    <reports>/<identity>-<UTC time>/report.md, report.html, report.json

The JSON holds every fact; the Markdown and HTML are rendered from it. What a charger said
(vendor, model, configuration values, error texts) is untrusted: the HTML escapes all of it
and runs no script, the Markdown backslash-escapes the characters that would change its
structure. Facts come from the frames and the charger's sessions, not from what the
technician asked for: firmware before/after from the boots, configuration values from the
charger's answers to reads, changes with the answers they got.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ocpptui import __version__
from ocpptui.core.config import CsmsConfig
from ocpptui.core.frame import Direction, Frame
from ocpptui.core.hub import Charger
from ocpptui.core.identity import file_safe
from ocpptui.protocol.secrets import mask_value
from ocpptui.protocol.terminal_text import escape_controls
from ocpptui.protocol.timestamps import epoch_seconds, file_stamp, record_time
from ocpptui.services.checklist import (
    Checklist,
    ChecklistTarget,
    CheckStatus,
    compute_checklist,
)
from ocpptui.services.config_history import configuration_changes
from ocpptui.services.config_snapshot import snapshot_json, snapshot_paragraphs
from ocpptui.services.profiles import ProfileError, load_profile

if TYPE_CHECKING:
    from ocpptui.services.playbook import PlaybookRun

REPORT_FORMAT = "ocpp-tui commissioning report 1"
STATUS_MARKS = {
    CheckStatus.PASS.value: "PASS",
    CheckStatus.FAIL.value: "FAIL",
    CheckStatus.PENDING.value: "PENDING",
    CheckStatus.SKIPPED.value: "NOT CHECKED",
}


@dataclass(slots=True)
class SiteNotes:
    """What the technician types in: who, what they saw, which photos they took."""

    installer: str = ""
    notes: str = ""
    photos: list[str] = field(default_factory=list)

    @staticmethod
    def split_photos(text: str) -> list[str]:
        """Photo file names from one input line (commas, semicolons or new lines)."""
        return [name.strip() for name in re.split(r"[,;\n]", text) if name.strip()]

    def to_json(self) -> dict[str, Any]:
        return {"installer": self.installer, "notes": self.notes, "photos": list(self.photos)}


@dataclass(frozen=True, slots=True)
class ReportFiles:
    folder: Path
    markdown: Path
    html: Path
    json: Path


# ------------------------------------------------------------------------ facts


def _boot_firmware(frame: Frame) -> str | None:
    payload = frame.payload if isinstance(frame.payload, dict) else {}
    if "chargingStation" in payload:
        station = payload.get("chargingStation")
        value = station.get("firmwareVersion") if isinstance(station, dict) else None
    else:
        value = payload.get("firmwareVersion")
    return None if value is None else str(value)


def _firmware_history(charger: Charger) -> list[dict[str, Any]]:
    """One entry per boot seen: when, on which connection, which version."""
    boots = [
        frame
        for frame in charger.frames
        if frame.action == "BootNotification"
        and frame.direction is Direction.IN
        and frame.message_type == 2
    ]
    history = [
        {
            "time": record_time(frame.wall),
            "session": frame.session_id,
            "firmware": _boot_firmware(frame),
            "seq": frame.seq,
        }
        for frame in boots
    ]
    if not history:  # frames left the window: the sessions still know their last boot
        history = [
            {
                "time": record_time(session.state.boot_wall),
                "session": session.session_id,
                "firmware": session.state.firmware,
                "seq": None,
            }
            for session in charger.sessions
            if session.state.boot_count
        ]
    return history


def _changes(charger: Charger) -> list[dict[str, Any]]:
    return [
        {
            "time": record_time(change.call.wall),
            "action": change.call.action,
            "key": change.key,
            "value": mask_value(change.key, change.value),  # a password stays in the log
            "status": change.status or "no answer",
            "seq": change.call.seq,
            "answer_seq": change.answer.seq if change.answer is not None else None,
            "session": change.call.session_id,
        }
        for change in configuration_changes(charger.frames)
    ]


def build_report(
    charger: Charger,
    checklist: Checklist,
    notes: SiteNotes,
    *,
    now: float,
    target_firmware: str | None = None,
    profile_name: str | None = None,
    playbook: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Every fact of the report, as JSON-ready data."""
    session = charger.session
    state = session.state if session is not None else None
    history = _firmware_history(charger)
    versions = [entry["firmware"] for entry in history if entry["firmware"]]
    connectors = [
        {"connector": c.label, "status": c.status, "error_code": c.error_code, "info": c.info}
        for c in (state.sorted_connectors if state is not None else [])
    ]
    report: dict[str, Any] = {
        "format": REPORT_FORMAT,
        "generated": record_time(now),
        "tool": f"ocpp-tui {__version__}",
        "charger": {
            "identity": charger.identity,
            "protocol": session.version.subprotocol if session is not None else None,
            "vendor": state.vendor if state else None,
            "model": state.model if state else None,
            "serial": state.serial if state else None,
            "firmware": state.firmware if state else None,
            "boot_details": dict(state.boot_extra) if state else {},
            "connection": session.transport.info.summary if session is not None else None,
            "connectors": connectors,
        },
        "firmware": {
            "before": versions[0] if versions else None,
            "after": versions[-1] if versions else None,
            "target": target_firmware,
            "boots": history,
        },
        "profile": profile_name,
        "configuration": snapshot_json(charger),
        "changes": _changes(charger),
        "checklist": checklist.to_json(),
        "site": notes.to_json(),
        "sessions": [
            {
                "id": s.session_id,
                "connected": record_time(s.connected_wall),
                "disconnected": record_time(s.disconnected_wall),
                "close_reason": s.close_reason,
                "log": str(s.frame_log.path) if s.frame_log.path else None,
            }
            for s in charger.sessions
        ],
        "logs": [str(s.frame_log.path) for s in charger.sessions if s.frame_log.path],
    }
    if playbook is not None:
        report["playbook"] = playbook
    return report


def commissioning_report(
    charger: Charger,
    config: CsmsConfig,
    target: ChecklistTarget,
    notes: SiteNotes,
    *,
    now: float,
    playbook: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The checklist as of `now` and every fact around it (what "Export report" writes)."""
    checklist = compute_checklist(charger, config, target, now=now)
    return build_report(
        charger,
        checklist,
        notes,
        now=now,
        target_firmware=target.target_firmware,
        profile_name=target.profile.name if target.profile is not None else None,
        playbook=playbook,
    )


def playbook_report(
    run: PlaybookRun,
    ok: bool,
    notes: SiteNotes,
    *,
    now: float,
    target_firmware: str | None = None,
) -> dict[str, Any] | None:
    """The report of a playbook run (its steps included); None when no charger took part.

    The configuration is checked against the profile of the run's last `apply_profile` step.
    """
    identity = run.identity
    charger = run.hub.chargers.get(identity) if identity else None
    if charger is None:
        return None
    profile = None
    for spec in run.playbook.steps:
        if spec.do == "apply_profile":
            path = Path(spec.options["file"])
            if not path.is_absolute() and run.playbook.source is not None:
                path = run.playbook.source.parent / path
            try:
                profile = load_profile(path)
            except ProfileError:
                profile = None
    target = ChecklistTarget(target_firmware=target_firmware, profile=profile)
    return commissioning_report(
        charger, run.hub.config, target, notes, now=now, playbook=run.report(ok)
    )


# ------------------------------------------------------------------------ rendering


@dataclass(frozen=True, slots=True)
class _Result:
    """A checklist result in a table cell (coloured in HTML)."""

    status: str
    optional: bool = False

    @property
    def text(self) -> str:
        mark = STATUS_MARKS.get(self.status, self.status)
        return mark + (" (optional)" if self.optional else "")


@dataclass(slots=True)
class _Section:
    """One part of the report as both renderers see it; every string in it is untrusted."""

    title: str
    paragraphs: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    empty: str | None = None  # said instead of an empty table or list


def _evidence(seqs: Iterable[int | None]) -> str:
    return ", ".join(f"#{seq}" for seq in seqs if seq is not None) or "—"


def _sections(report: dict[str, Any]) -> list[_Section]:
    charger = report["charger"]
    firmware = report["firmware"]
    checklist = report["checklist"]
    configuration = report["configuration"]
    site = report["site"]
    facts = [
        ["Identity", charger["identity"]],
        ["Vendor", charger["vendor"]],
        ["Model", charger["model"]],
        ["Serial number", charger["serial"]],
        ["Protocol", charger["protocol"]],
        ["Connection", charger["connection"]],
        *[[f"Boot: {key}", value] for key, value in charger["boot_details"].items()],
    ]
    against = f"; checked against profile {report['profile']}" if report["profile"] else ""
    sections = [
        _Section("Charger", headers=["", ""], rows=facts),
        _Section(
            "Firmware",
            [
                f"Before: {firmware['before'] or '—'} · after: {firmware['after'] or '—'} · "
                f"target: {firmware['target'] or '—'}"
            ],
            ["Boot", "Firmware", "Frame"],
            [[b["time"], b["firmware"], _evidence([b["seq"]])] for b in firmware["boots"]],
            empty="No boot seen.",
        ),
        _Section(
            "Checklist",
            [f"Computed {checklist['computed']}."],
            ["Result", "Check", "Details", "When", "Frames"],
            [
                [
                    _Result(item["status"], item["optional"]),
                    item["title"],
                    item["detail"],
                    item["at"],
                    _evidence(item["evidence"]),
                ]
                for item in checklist["items"]
            ],
        ),
        _Section(
            "Configuration changes",
            headers=["Time", "Key", "Value", "Answer", "Frames"],
            rows=[
                [
                    c["time"],
                    c["key"],
                    c["value"],
                    c["status"],
                    _evidence([c["seq"], c["answer_seq"]]),
                ]
                for c in report["changes"]
            ],
            empty="No configuration was changed.",
        ),
        _Section(
            "Configuration snapshot",
            snapshot_paragraphs(configuration, against),
            ["Key", "Value", "Read-only"],
            [
                [v["key"], v["value"], "yes" if v["readonly"] else "no"]
                for v in configuration["values"]
            ],
        ),
        *_read_later_section(configuration),
        _Section(
            "Protocol violations by the charger (for its vendor)",
            headers=["Frame", "Time", "Message", "Where", "Rule", "Message text"],
            rows=[
                [
                    f"#{v['seq']}",
                    v["time"],
                    f"{v['action']} {v['type']}",
                    v["path"],
                    v["rule"],
                    v["message"],
                ]
                for v in checklist["violations"]
            ],
            empty="None seen.",
        ),
        _Section(
            "Site",
            [
                f"Installer: {site['installer'] or '—'}",
                "Notes:",
                *(site["notes"] or "—").splitlines(),
            ],
        ),
        _Section("Photos", items=list(site["photos"]), empty="No photos listed."),
        _Section(
            "Frame logs", items=list(report["logs"]), empty="Kept in memory only (no log folder)."
        ),
    ]
    playbook = report.get("playbook")
    if playbook is not None:
        sections.append(
            _Section(
                "Playbook",
                [f"Result: {'passed' if playbook.get('ok') else 'failed'}"],
                ["Step", "Result", "Error", "ms"],
                [
                    [s["do"], _Result("pass" if s["ok"] else "fail"), s["error"], s["ms"]]
                    for s in playbook.get("steps", [])
                ],
            )
        )
    return sections


def _read_later_section(configuration: dict[str, Any]) -> list[_Section]:
    """Keys read by name after the snapshot (before a transfer, after a change), if any."""
    later = configuration.get("read_later") or []
    if not later:
        return []
    title = (
        "Configuration read later, by name"
        if configuration["read"]
        else ("Configuration read by name")
    )
    note = "Not part of the snapshot: newest value of each key, with the read that reported it."
    return [
        _Section(
            title,
            [note],
            ["Key", "Value", "Read", "How", "Frames"],
            [[v["key"], v["value"], v["read"], v["how"], v["frames"]] for v in later],
        )
    ]


def _verdict(report: dict[str, Any]) -> tuple[str, str]:
    if report["checklist"]["passed"]:
        return "pass", "All required checks passed."
    return "fail", "Not all checks passed."


# Backslash-escaped: what would start markup, a tag or a table cell, and a heading's `#` at
# the start. Underscores stay (inside words they emphasise nothing; paths stay readable).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*\[\]<>|~])|^(#)")


def md(value: Any) -> str:
    """Untrusted text as Markdown that shows exactly that text (one line; control characters
    escaped, since report.md is read with `cat` as often as in a viewer)."""
    if isinstance(value, _Result):
        value = value.text
    if value is None or value == "":
        return "—"
    text = escape_controls(" ".join(str(value).split()))
    return _MARKDOWN_SPECIAL.sub(lambda match: "\\" + match.group(0), text)


def render_markdown(report: dict[str, Any]) -> str:
    _, verdict = _verdict(report)
    out = [
        f"# Commissioning report: {md(report['charger']['identity'])}",
        "",
        f"**{verdict}** Generated {md(report['generated'])} by {md(report['tool'])}.",
    ]
    for section in _sections(report):
        out += ["", f"## {md(section.title)}", ""]
        out += [md(text) + "  " for text in section.paragraphs]
        if section.paragraphs and (section.rows or section.items or section.empty):
            out.append("")
        if section.rows:
            out.append(
                "| " + " | ".join(md(name) if name else " " for name in section.headers) + " |"
            )
            out.append("|" + "---|" * len(section.headers))
            out += ["| " + " | ".join(md(cell) for cell in row) + " |" for row in section.rows]
        elif section.items:
            out += [f"- {md(item)}" for item in section.items]
        elif section.empty and (section.headers or not section.paragraphs):
            out.append(md(section.empty))
    return "\n".join(out) + "\n"


REPORT_CSS = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #1d1d1f; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 1.8em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; width: 100%; margin: .5em 0; }
th, td { border: 1px solid #d0d0d0; padding: .3em .5em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; } td { overflow-wrap: anywhere; } p { margin: .3em 0; }
.pass { color: #11703a; font-weight: bold; } .fail { color: #b3261e; font-weight: bold; }
.pending { color: #8a5a00; font-weight: bold; } .skipped { color: #666; } .muted { color: #666; }
"""


def h(value: Any) -> str:
    """Untrusted text as HTML text (a checklist result becomes a coloured label)."""
    if isinstance(value, _Result):
        css = "skipped" if value.status == CheckStatus.SKIPPED.value else value.status
        return f'<span class="{html.escape(css, quote=True)}">{html.escape(value.text)}</span>'
    if value is None or value == "":
        return "—"
    return html.escape(str(value), quote=True)


def render_html(report: dict[str, Any]) -> str:
    """A self-contained page: inline CSS, no script, nothing fetched (a CSP says so too)."""
    css, verdict = _verdict(report)
    identity = h(report["charger"]["identity"])
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>Commissioning report: {identity}</title>",
        f"<style>{REPORT_CSS}</style></head><body>",
        f"<h1>Commissioning report: {identity}</h1>",
        f'<p class="{css}">{h(verdict)}</p>',
        f'<p class="muted">Generated {h(report["generated"])} by {h(report["tool"])}.</p>',
    ]
    for section in _sections(report):
        out.append(f"<h2>{h(section.title)}</h2>")
        out += [f"<p>{h(text)}</p>" for text in section.paragraphs]
        if section.rows:
            head = "".join(f"<th>{h(name) if name else ''}</th>" for name in section.headers)
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>")
            out += [
                "<tr>" + "".join(f"<td>{h(cell)}</td>" for cell in row) + "</tr>"
                for row in section.rows
            ]
            out.append("</tbody></table>")
        elif section.items:
            out.append("<ul>" + "".join(f"<li>{h(item)}</li>" for item in section.items) + "</ul>")
        elif section.empty and (section.headers or not section.paragraphs):
            out.append(f"<p>{h(section.empty)}</p>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------------ files


def report_folder(reports_dir: Path, identity: str, now: float) -> Path:
    """A new folder `<identity>-<UTC time>` (suffixed when two exports share a second)."""
    return unused_folder(reports_dir / f"{file_safe(identity)}-{file_stamp(now)}")


def unused_folder(base: Path) -> Path:
    """`base`, or `base-2`, `base-3`, ... the first that does not exist yet."""
    folder, counter = base, 1
    while folder.exists():
        counter += 1
        folder = base.with_name(f"{base.name}-{counter}")
    return folder


def write_report(report: dict[str, Any], reports_dir: Path) -> ReportFiles:
    """Write report.md, report.html and report.json into a new folder; raises OSError."""
    generated = epoch_seconds(report["generated"])
    if generated is None:
        raise ValueError(f"report time {report['generated']!r} is not a date-time")
    folder = report_folder(reports_dir, report["charger"]["identity"], generated)
    folder.mkdir(parents=True)
    files = ReportFiles(
        folder, folder / "report.md", folder / "report.html", folder / "report.json"
    )
    files.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")
    files.markdown.write_text(render_markdown(report), "utf-8")
    files.html.write_text(render_html(report), "utf-8")
    return files


@dataclass(slots=True)
class ReportRequest:
    """`ocpp-tui run --report`: where the playbook's report goes and what the technician adds."""

    reports_dir: Path
    notes: SiteNotes = field(default_factory=SiteNotes)
    target_firmware: str | None = None


def write_playbook_report(
    run: PlaybookRun, ok: bool, request: ReportRequest, now: float
) -> ReportFiles | None:
    """Write the report of a finished playbook run (None when no charger took part)."""
    report = playbook_report(
        run, ok, request.notes, now=now, target_firmware=request.target_firmware
    )
    return None if report is None else write_report(report, request.reports_dir)
