"""What became of a CALL we sent: the status with its latency, the answer, what arrived after.

Shared by the Commands panel and the composer. Every text from the charger goes through
`Content`/`JsonView`, never markup.
"""

from __future__ import annotations

import json

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from ocpptui.core.commands import TriggerResult, triggered_action
from ocpptui.core.frame import Frame
from ocpptui.core.session import CallOutcome
from ocpptui.protocol.validation import Violation
from ocpptui.ui.common.display_text import latency, shorten
from ocpptui.ui.common.json_view import JsonView

OK_STATUSES = frozenset({"Accepted", "Unlocked", "Scheduled"})
#: How many schema violations are listed (the rest are counted).
MAX_VIOLATIONS = 8


def violation_lines(violations: tuple[Violation, ...] | list[Violation]) -> list[Content]:
    """`path: message` per violation, the path picked out."""
    lines = [
        Content.assemble(
            (f"  {shorten(v.path, 60)}", "$text-error bold"), f"  {shorten(v.message, 200)}"
        )
        for v in violations[:MAX_VIOLATIONS]
    ]
    if len(violations) > MAX_VIOLATIONS:
        lines.append(
            Content.styled(f"  … and {len(violations) - MAX_VIOLATIONS} more", "$text-muted")
        )
    return lines


def _answer_text(outcome: CallOutcome) -> str:
    if outcome.ok:
        return json.dumps(outcome.payload, indent=2, ensure_ascii=False)
    answer = {
        "errorCode": outcome.error_code,
        "errorDescription": outcome.error_description,
        "errorDetails": outcome.error_details,
    }
    return json.dumps(answer, indent=2, ensure_ascii=False)


class CallOutcomeView(Vertical):
    """Empty until a CALL is sent; then its fate, its answer, and any message it triggered."""

    DEFAULT_CSS = """
    CallOutcomeView {
        height: auto;
        & > #outcome-head { height: auto; padding: 0 1; }
        & > #outcome-answer { display: none; }
        & > #outcome-arrived-head { height: auto; padding: 0 1; display: none; }
        & > #outcome-arrived {
            display: none;
            border: round $success;
            border-title-color: $text-success;
        }
        &.-answered > #outcome-answer { display: block; }
        &.-arrived > #outcome-arrived-head, &.-arrived > #outcome-arrived { display: block; }
        &.-waited > #outcome-arrived-head { display: block; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.last_outcome: CallOutcome | None = None
        self.arrived: Frame | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="outcome-head", markup=False)
        yield JsonView(id="outcome-answer")
        yield Static(id="outcome-arrived-head", markup=False)
        yield JsonView(id="outcome-arrived")

    def _head(self, content: Content) -> None:
        self.query_one("#outcome-head", Static).update(content)

    def _reset(self) -> None:
        self.remove_class("-answered", "-arrived", "-waited")
        self.last_outcome = None
        self.arrived = None

    @property
    def head_text(self) -> str:
        return str(self.query_one("#outcome-head", Static).render())

    @property
    def arrived_text(self) -> str:
        return str(self.query_one("#outcome-arrived-head", Static).render())

    def pending(self, action: str) -> None:
        self._reset()
        self._head(Content.styled(f"Sending {action}…", "$text-warning bold"))

    def refused(self, action: str, reason: str, violations: tuple[Violation, ...] = ()) -> None:
        """Not sent: the request breaks its schema (or cannot be read)."""
        self._reset()
        lines = [Content.styled(f"{action} not sent: {shorten(reason, 300)}", "$text-error bold")]
        if violations:
            lines = [Content.styled(f"{action} not sent: it breaks its schema", "$text-error bold")]
            lines += violation_lines(violations)
        self._head(Content("\n").join(lines))

    def failed(self, action: str, reason: str) -> None:
        """Sent, but no answer came (timeout, connection lost)."""
        self._reset()
        self._head(Content.styled(f"{action}: {shorten(reason, 300)}", "$text-error bold"))

    def answered(self, outcome: CallOutcome, *, sent_anyway: bool = False) -> None:
        self._reset()
        self.last_outcome = outcome
        status = outcome.status or ("answered" if outcome.ok else "CallError")
        if not outcome.ok:
            look = "$text-error bold"
        elif outcome.status is None or status in OK_STATUSES:
            look = "$text-success bold"
        else:
            look = "$text-warning bold"
        parts: list[tuple[str, str] | str] = [
            (f"{outcome.action} → ", "bold"),
            (shorten(status, 60), look),
            (f"  {latency(outcome.latency_ms)}", "$text-muted"),
        ]
        if sent_anyway:
            parts.append(("  sent anyway (schema-invalid)", "$text-warning bold"))
        lines = [Content.assemble(*parts)]
        if outcome.violations:
            lines.append(Content.styled("the answer breaks its schema:", "$text-warning"))
            lines += violation_lines(outcome.violations)
        self._head(Content("\n").join(lines))
        self.query_one("#outcome-answer", JsonView).show(_answer_text(outcome))
        self.add_class("-answered")

    def triggered(self, result: TriggerResult, wait_seconds: float) -> None:
        """TriggerMessage's answer, then the triggered message (highlighted) or its absence."""
        self.answered(result.outcome)
        requested = (result.outcome.request or {}).get("requestedMessage", "?")
        action = triggered_action(str(requested))
        head = self.query_one("#outcome-arrived-head", Static)
        if result.arrived is not None:
            self.arrived = result.arrived
            delay = result.arrived.mono - result.outcome.response_frame.mono
            when = (
                f" {delay:.1f} s after the answer" if delay >= 0.05 else " right after the answer"
            )
            head.update(
                Content.assemble(
                    (f"⚡ {action} arrived", "$text-success bold"),
                    (when, "$text-muted"),
                    ("  — f shows it in the frame log", "$text-accent"),
                )
            )
            view = self.query_one("#outcome-arrived", JsonView)
            view.border_title = Content(f"#{result.arrived.seq} {shorten(action, 60)}")
            view.show(result.arrived.raw)
            self.add_class("-arrived")
        elif result.outcome.status == "Accepted" and result.waited:
            head.update(
                Content.styled(
                    f"{action} did not arrive within {wait_seconds:g} s", "$text-warning bold"
                )
            )
            self.add_class("-waited")
