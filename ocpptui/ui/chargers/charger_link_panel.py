"""How ocpp-tui treats one charger's link: validation policy, pings, silence, a pending boot."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from ocpptui.core.config import ValidationPolicy
from ocpptui.core.hub import Charger
from ocpptui.core.session import Session
from ocpptui.ui.common.display_text import age, latency
from ocpptui.ui.common.quiet_update import update_static

_LABEL = "$text-muted"
_KEY = "$text-accent bold"
#: Strict refusals from which the panel suggests lenient validation.
REPEATED_REFUSALS = 3


def pending(charger: Charger) -> bool:
    """The charger is connected and its boot is being answered Pending."""
    state = charger.state
    return charger.connected and state is not None and state.boot_status == "Pending"


def toggle_validation(session: Session) -> ValidationPolicy:
    """Strict ↔ lenient for this charger only; returns the new policy."""
    new = (
        ValidationPolicy.LENIENT
        if session.effective_validation is ValidationPolicy.STRICT
        else ValidationPolicy.STRICT
    )
    session.validation = new
    return new


def toggle_ping(session: Session) -> bool:
    """Pings off ↔ on for this charger only; returns whether they are on now."""
    if session.effective_ping_interval is None:
        session.ping_interval = session.config.ping_interval or 30.0
        return True
    session.ping_interval = 0
    session.ping_rtt_ms = None
    return False


class ChargerLinkPanel(Static):
    """One or two lines under the charger summary, with the keys that change them."""

    DEFAULT_CSS = """
    ChargerLinkPanel {
        height: auto;
        padding: 0 1;
    }
    """

    def __init__(self, charger: Charger, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.charger = charger

    def on_mount(self) -> None:
        # RTT, refusals and silence change without an event of their own: the charger
        # screen calls refresh_panel() every second and on every change.
        self.refresh_panel()

    def refresh_panel(self) -> None:
        update_static(self, self._content())  # no repaint while the text is the same

    def _content(self) -> Content:
        session = self.charger.session
        if session is None:
            return Content.styled("No connection yet.", _LABEL)
        now = session.clock.wall()
        policy = session.effective_validation
        own = session.validation is not None
        parts: list[tuple[str, str] | str] = [
            ("Validation ", _LABEL),
            (policy.value, "$text-warning bold" if policy is ValidationPolicy.STRICT else "bold"),
            ("" if own else " (default)", _LABEL),
            (" v", _KEY),
        ]
        refusals = session.invalid_calls_answered
        if refusals:
            parts.append((f"  {refusals} invalid calls refused", "$text-warning"))
        parts.append("   ")
        interval = session.effective_ping_interval
        if interval is None:
            parts += [("Ping ", _LABEL), ("off", "bold")]
        else:
            parts += [("Ping ", _LABEL), (f"every {interval:g}s", "bold")]
            if session.ping_rtt_ms is not None:
                parts += [(" RTT ", _LABEL), (latency(session.ping_rtt_ms), "bold")]
        parts.append((" o", _KEY))
        if session.connected and session.silent:
            last = session.state.last_message_wall
            since = f" for {age(now - last)}" if last is not None else ""
            parts += [
                "   ",
                (f"⚠ silent: no message{since} (missed heartbeats)", "$text-error bold"),
            ]
        if pending(self.charger):
            parts += [
                "   ",
                ("Pending: its boot waits for you", "$text-warning bold"),
                (" r", _KEY),
            ]
        lines = [Content.assemble(*parts)]
        if policy is ValidationPolicy.STRICT and refusals >= REPEATED_REFUSALS:
            lines.append(
                Content.styled(
                    "This charger keeps re-sending a rejected message: try lenient (v).",
                    "$text-warning",
                )
            )
        return Content("\n").join(lines)
