"""The site report's escaping (issue 20, point 4): the sheet's and the chargers' text."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ocpptui.core.hub import Hub
from ocpptui.services.report import SiteNotes
from ocpptui.services.site_report import (
    build_site_report,
    render_site_html,
    render_site_markdown,
)
from ocpptui.services.site_run import Outcome, Site
from ocpptui.services.site_sheet import parse_toml_sheet

HOSTILE_LOCATION = "<script>alert(1)</script> | bay \x1b[31mred\x07 \u202eevil"
SHEET = f"""\
[site]
name = "<img src=x onerror=alert(1)> | A"

[[charger]]
identity = "<b>CP|1"
location = {json.dumps(HOSTILE_LOCATION)}

[[charger]]
identity = "CP-2"
location = "Bay 2"
"""


def _site() -> Site:
    sheet = parse_toml_sheet(SHEET, Path("/nowhere/site.toml"))
    site = Site(sheet, Hub())
    site.records["<b>CP|1"].seen = True
    site.records["<b>CP|1"].ok = False
    site.records["<b>CP|1"].error = "apply_profile: <i>Rejected</i> | \x1b]52;c;aGk=\x07"
    site.records["<b>CP|1"].profile = Outcome(False, "Rejected: <u>x</u>")
    site.unexpected.append("<svg onload=alert(2)>|")
    return site


def _charger_report() -> dict:
    """A charger's own report, as far as the site report reads it (vendor text is hostile)."""
    return {
        "charger": {
            "protocol": "ocpp1.6",
            "vendor": "<script>v</script>",
            "model": "M|odel\x1b[2J",
            "serial": "S\u202eN",
        },
        "firmware": {"before": "1.0<", "after": "2.0|", "target": None},
        "checklist": {
            "passed": False,
            "items": [
                {
                    "title": "Boot <accepted>",
                    "status": "fail",
                    "detail": "vendor said <b>|</b>",
                    "optional": False,
                }
            ],
        },
        "logs": ["/logs/<x>|y/frames.jsonl"],
    }


def test_site_report_escapes_every_untrusted_text_in_html_and_markdown() -> None:
    site = _site()
    report = build_site_report(
        site,
        SiteNotes("<Ann> | \x1b[1m", "line <1>\nline |2|"),
        now=1_700_000_000.0,
        charger_reports={"<b>CP|1": _charger_report()},
        links={"<b>CP|1": "_b_CP_1-20231114T221320Z"},
    )
    assert report["site"]["name"] == "<img src=x onerror=alert(1)> | A"
    assert "CP-2 (Bay 2): never connected" in report["open"]

    page = render_site_html(report)
    body = page.split("<body>", 1)[1]
    # No tag from any input survives: every < in the body is one of the page's own tags.
    own_tags = {
        "h1",
        "h2",
        "p",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "ul",
        "li",
        "a",
        "span",
    }
    tags = {match.lower() for match in re.findall(r"</?([a-zA-Z0-9]+)", body)}
    assert tags <= own_tags | {"body", "html"}, tags - own_tags
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;svg onload=alert(2)&gt;|" in body
    # Control characters and bidi overrides are shown, not acted upon.
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f\u202e]", page)
    assert "\\x1b[31mred\\x07" in body and "\\u202eevil" in body
    assert "\\x1b]52;c;aGk=\\x07" in body
    assert "<script" not in page and 'href="_b_CP_1-20231114T221320Z/report.html"' in body

    text = render_site_markdown(report)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f\u202e]", text)
    row = next(line for line in text.splitlines() if "CP\\|1" in line and line.startswith("|"))
    # The row keeps its 8 cells: no | from a charger or the sheet splits it.
    assert len(re.findall(r"(?<!\\)\|", row)) == 9, row
    assert "\\<script\\>alert(1)\\</script\\>" in row
    assert "\\<script\\>v\\</script\\>" in row
    # Markdown shows the escape itself: its backslash and bracket are escaped in turn.
    assert "M\\|odel\\\\x1b\\[2J" in row
    assert "[report](_b_CP_1-20231114T221320Z/report.md)" in row
    assert "- \\<svg onload=alert(2)\\>\\|" in text
    assert "# Site report: \\<img src=x onerror=alert(1)\\> \\| A" in text
