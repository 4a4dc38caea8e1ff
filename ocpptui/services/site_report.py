"""The site report: one record for a whole car park, beside each charger's own report.

    <reports>/site-<name>-<UTC time>/site.md, site.html, site.json
                                    /<identity>-<UTC time>/report.md, report.html, report.json

A line per sheet charger (identity, location, vendor/model/serial, firmware before → after,
profile result, checklist verdict, a link to its own report), what is still open, and the
frame log paths. Identities, locations and everything a charger said are untrusted: the
HTML and Markdown escape them with the commissioning report's own helpers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocpptui import __version__
from ocpptui.core.identity import file_safe
from ocpptui.protocol.terminal_text import escape_controls
from ocpptui.protocol.timestamps import file_stamp, record_time
from ocpptui.services.checklist import ChecklistTarget
from ocpptui.services.report import (
    REPORT_CSS,
    SiteNotes,
    commissioning_report,
    h,
    md,
    unused_folder,
    write_report,
)
from ocpptui.services.site_run import Site

SITE_REPORT_FORMAT = "ocpp-tui site report 1"


@dataclass(frozen=True, slots=True)
class SiteReportFiles:
    folder: Path
    markdown: Path
    html: Path
    json: Path


def checklist_score(checklist: dict[str, Any]) -> dict[str, Any]:
    """`x of y` required checks passed (items not checked do not count)."""
    required = [
        item
        for item in checklist.get("items", [])
        if not item.get("optional") and item.get("status") != "not checked"
    ]
    passed = sum(1 for item in required if item.get("status") == "pass")
    return {
        "passed": bool(checklist.get("passed")),
        "pass": passed,
        "required": len(required),
        "summary": f"{passed} of {len(required)} checks passed",
    }


def _charger_line(site: Site, identity: str, report: dict[str, Any] | None) -> dict[str, Any]:
    record = site.records[identity]
    sheet = record.sheet
    profile = site.sheet.profile_for(sheet)
    charger = (report or {}).get("charger", {})
    firmware = (report or {}).get("firmware", {})
    connected = site.hub.chargers.get(identity)
    return {
        "identity": identity,
        "location": sheet.location,
        "seen": record.seen,
        "connected": bool(connected and connected.connected),
        "protocol": charger.get("protocol"),
        "vendor": charger.get("vendor"),
        "model": charger.get("model"),
        "serial": charger.get("serial"),
        "firmware": {
            "before": firmware.get("before"),
            "after": firmware.get("after"),
            "target": sheet.target_firmware,
            "result": record.firmware.text if record.firmware else None,
        },
        "profile": {
            "name": profile.name if profile is not None else None,
            "ok": record.profile.ok if record.profile else None,
            "result": record.profile.text if record.profile else None,
        },
        "checklist": checklist_score(report["checklist"]) if report else None,
        "ok": record.ok,
        "error": record.error,
        "notes": list(record.notes),
        "report": None,
        "logs": list((report or {}).get("logs", [])),
    }


def _still_open(line: dict[str, Any], report: dict[str, Any] | None) -> list[str]:
    who = line["identity"] + (f" ({line['location']})" if line["location"] else "")
    if not line["seen"]:
        return [f"{who}: never connected"]
    found: list[str] = []
    if line["ok"] is False and line["error"]:
        found.append(f"{who}: {line['error']}")
    if line["profile"]["ok"] is False and f"{who}: apply_profile" not in " ".join(found):
        found.append(f"{who}: profile {line['profile']['name'] or ''}: {line['profile']['result']}")
    for item in (report or {}).get("checklist", {}).get("items", []):
        if not item["optional"] and item["status"] in ("fail", "pending"):
            found.append(f"{who}: check {item['title']} {item['status']}: {item['detail']}")
    found += [f"{who}: {note}" for note in line["notes"] if note not in (line["error"] or "")]
    return found


def build_site_report(
    site: Site,
    notes: SiteNotes,
    *,
    now: float,
    charger_reports: dict[str, dict[str, Any]],
    links: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Every fact of the site report as JSON-ready data; `charger_reports` are the chargers'
    own reports (by identity), `links` their folders' names (inside the site folder)."""
    links = links or {}
    lines = []
    still_open: list[str] = []
    for identity in site.records:
        report = charger_reports.get(identity)
        line = _charger_line(site, identity, report)
        line["report"] = links.get(identity)
        lines.append(line)
        still_open += _still_open(line, report)
    still_open += [f"{identity}: connected but is not on the sheet" for identity in site.unexpected]
    checked = sum(
        1
        for line in lines
        if line["ok"] is not False and line["seen"] and (line["checklist"] or {}).get("passed")
    )
    ran = [line for line in lines if line["ok"] is not None]
    sheet = site.sheet
    return {
        "format": SITE_REPORT_FORMAT,
        "generated": record_time(now),
        "tool": f"ocpp-tui {__version__}",
        "site": {
            "name": sheet.name,
            "sheet": str(sheet.source) if sheet.source else None,
            "installer": notes.installer or sheet.installer,
            "notes": notes.notes,
        },
        "verdict": {
            "ok": not still_open,
            "checked": checked,
            "ran": len(ran),
            "passed": sum(1 for line in ran if line["ok"]),
            "total": len(lines),
        },
        "chargers": lines,
        "unexpected": list(site.unexpected),
        "open": still_open,
        "logs": [path for line in lines for path in line["logs"]],
    }


# ------------------------------------------------------------------------------ rendering


def _firmware_text(firmware: dict[str, Any]) -> str:
    text = f"{firmware['before'] or '—'} → {firmware['after'] or '—'}"
    return text + (f" (target {firmware['target']})" if firmware["target"] else "")


def _row(line: dict[str, Any]) -> list[str]:
    """The cells of a charger's line, as plain (untrusted) text."""
    identity = line["vendor"], line["model"], line["serial"]
    checklist = line["checklist"]
    if not line["seen"]:
        verdict = "NOT SEEN"
    elif line["ok"] is False:
        verdict = "FAIL"
    elif checklist is not None and checklist["passed"]:
        verdict = "PASS"
    else:
        verdict = "OPEN"
    return [
        line["identity"],
        line["location"],
        " / ".join(part or "—" for part in identity) if line["seen"] else "",
        _firmware_text(line["firmware"]) if line["seen"] else "",
        line["profile"]["result"] or ("—" if line["profile"]["name"] is None else "not applied"),
        checklist["summary"] if checklist else "",
        verdict,
    ]


HEADERS = ["Identity", "Location", "Vendor / model / serial", "Firmware", "Profile", "Checklist"]


def _verdict_text(verdict: dict[str, Any]) -> str:
    """`3 of 4 chargers pass every required check; 4 of 4 passed the playbook.`"""
    total = verdict["total"]
    text = f"{verdict['checked']} of {total} chargers pass every required check"
    if verdict["ran"]:
        text += f"; {verdict['passed']} of {total} passed the playbook"
    return text + "."


def render_site_markdown(report: dict[str, Any]) -> str:
    site = report["site"]
    verdict = report["verdict"]
    out = [
        f"# Site report: {md(site['name'])}",
        "",
        f"**{md(_verdict_text(verdict))}** "
        f"Installer: {md(site['installer'])}. Generated {md(report['generated'])} by "
        f"{md(report['tool'])}.",
        "",
        "## Chargers",
        "",
        "| " + " | ".join([*HEADERS, "Result", "Report"]) + " |",
        "|" + "---|" * (len(HEADERS) + 2),
    ]
    for line in report["chargers"]:
        link = f"[report]({line['report']}/report.md)" if line["report"] else "—"
        out.append("| " + " | ".join([*(md(cell) for cell in _row(line)), link]) + " |")
    out += ["", "## Still open", ""]
    out += [f"- {md(text)}" for text in report["open"]] or ["Nothing: every charger passed."]
    out += ["", "## Chargers not on the sheet", ""]
    out += [f"- {md(identity)}" for identity in report["unexpected"]] or ["None connected."]
    out += ["", "## Frame logs", ""]
    out += [f"- {md(path)}" for path in report["logs"]] or ["None written."]
    if site["notes"]:
        out += ["", "## Notes", "", *(md(text) + "  " for text in site["notes"].splitlines())]
    return "\n".join(out) + "\n"


def _text(value: Any) -> str:
    """Untrusted text as HTML: control and bidi characters shown as escapes, then escaped."""
    return h(escape_controls(value) if isinstance(value, str) else value)


_RESULT_CLASS = {"PASS": "pass", "FAIL": "fail", "OPEN": "pending", "NOT SEEN": "fail"}


def render_site_html(report: dict[str, Any]) -> str:
    """A self-contained page: inline CSS, no script, nothing fetched (a CSP says so too)."""
    site = report["site"]
    verdict = report["verdict"]
    name = _text(site["name"])
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>Site report: {name}</title>",
        f"<style>{REPORT_CSS}</style></head><body>",
        f"<h1>Site report: {name}</h1>",
        f'<p class="{"pass" if verdict["ok"] else "fail"}">{_text(_verdict_text(verdict))}</p>',
        f"<p>Installer: {_text(site['installer'])}</p>",
        f'<p class="muted">Generated {_text(report["generated"])} by {_text(report["tool"])}.</p>',
        "<h2>Chargers</h2>",
        "<table><thead><tr>"
        + "".join(f"<th>{_text(title)}</th>" for title in [*HEADERS, "Result", "Report"])
        + "</tr></thead><tbody>",
    ]
    for line in report["chargers"]:
        cells = _row(line)
        result = cells.pop()
        link = (
            f'<a href="{_text(line["report"])}/report.html">report</a>' if line["report"] else "—"
        )
        out.append(
            "<tr>"
            + "".join(f"<td>{_text(cell)}</td>" for cell in cells)
            + f'<td><span class="{_RESULT_CLASS[result]}">{_text(result)}</span></td>'
            + f"<td>{link}</td></tr>"
        )
    out.append("</tbody></table>")
    for title, items, empty in (
        ("Still open", report["open"], "Nothing: every charger passed."),
        ("Chargers not on the sheet", report["unexpected"], "None connected."),
        ("Frame logs", report["logs"], "None written."),
    ):
        out.append(f"<h2>{_text(title)}</h2>")
        if items:
            out.append("<ul>" + "".join(f"<li>{_text(item)}</li>" for item in items) + "</ul>")
        else:
            out.append(f"<p>{_text(empty)}</p>")
    if site["notes"]:
        out.append("<h2>Notes</h2>")
        out += [f"<p>{_text(text)}</p>" for text in site["notes"].splitlines()]
    out.append("</body></html>")
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------------------ files


def site_folder(reports_dir: Path, name: str, now: float) -> Path:
    """A new folder `site-<name>-<UTC time>` (suffixed when two exports share a second)."""
    return unused_folder(reports_dir / f"site-{file_safe(name)}-{file_stamp(now)}")


def write_site_report(
    site: Site, notes: SiteNotes, reports_dir: Path, now: float
) -> SiteReportFiles:
    """Each seen charger's own report, then site.md/html/json beside them; raises OSError."""
    folder = site_folder(reports_dir, site.sheet.name, now)
    folder.mkdir(parents=True)
    reports: dict[str, dict[str, Any]] = {}
    links: dict[str, str] = {}
    for identity, record in site.records.items():
        charger = site.hub.chargers.get(identity)
        if charger is None or charger.session is None:
            continue
        target = ChecklistTarget(
            target_firmware=record.sheet.target_firmware,
            profile=site.sheet.profile_for(record.sheet),
        )
        charger_notes = SiteNotes(
            notes.installer or site.sheet.installer,
            "\n".join(part for part in (record.sheet.location, notes.notes) if part),
            list(notes.photos),
        )
        report = commissioning_report(
            charger, site.hub.config, target, charger_notes, now=now, playbook=record.playbook
        )
        files = write_report(report, folder)
        record.report = str(files.folder)
        reports[identity] = report
        links[identity] = files.folder.name
    data = build_site_report(site, notes, now=now, charger_reports=reports, links=links)
    result = SiteReportFiles(folder, folder / "site.md", folder / "site.html", folder / "site.json")
    result.json.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", "utf-8")
    result.markdown.write_text(render_site_markdown(data), "utf-8")
    result.html.write_text(render_site_html(data), "utf-8")
    return result
