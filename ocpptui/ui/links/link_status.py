"""The local link (serial port, BLE device) in words: what the welcome panel shows in link mode.

`ocpp-tui serial` / `ocpp-tui ble` run no WebSocket server, so instead of the ws:// URLs the
main screen says which link the charger is on, whether it is open, lost (and being reopened)
or closed, how it is set up, and what to do next.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from textual.content import Content

from ocpptui.core.link_supervisor import LinkState, LinkStatus
from ocpptui.ui.common.display_text import shorten

if TYPE_CHECKING:
    from ocpptui.core.link_supervisor import LinkSupervisor

#: (marker, theme colour) per state.
STATE_LOOK: dict[LinkState, tuple[str, str]] = {
    LinkState.OPENING: ("◌", "$text-warning"),
    LinkState.CONNECTED: ("●", "$text-success"),
    LinkState.WAITING: ("◌", "$text-warning"),
    LinkState.CLOSED: ("○", "$text-muted"),
    LinkState.FAILED: ("✗", "$text-error"),
    LinkState.GAVE_UP: ("✗", "$text-error"),
}

WHAT_NEXT: dict[LinkState, str] = {
    LinkState.OPENING: "Opening the link …",
    LinkState.CONNECTED: (
        "No WebSocket server in this mode: the charger talks over this link and appears "
        "below once it sends a frame. k: another port or device."
    ),
    LinkState.WAITING: (
        "Plug the cable back in (or bring the charger back in range): the link reopens by "
        "itself and the session goes on; the frames so far are kept."
    ),
    LinkState.CLOSED: "The link is closed: k picks a port or device to open one again.",
    LinkState.FAILED: "k picks the port or device again (check the cable, the settings).",
    LinkState.GAVE_UP: "Stopped waiting for the link: k picks a port or device again.",
}


TITLE_WORD: dict[LinkState, str] = {
    LinkState.OPENING: "opening",
    LinkState.CONNECTED: "open",
    LinkState.WAITING: "lost, reopening",
    LinkState.CLOSED: "closed",
    LinkState.FAILED: "cannot open",
    LinkState.GAVE_UP: "lost",
}


def link_title(status: LinkStatus) -> Content:
    """The welcome panel's border title: `ocpp-tui · serial /dev/ttyUSB0 · open` (a device
    name is in it, so it is Content: a `str` border title would be read as markup)."""
    return Content(f"ocpp-tui · {status.label} · {TITLE_WORD[status.state]}")


def link_setup(supervisor: LinkSupervisor | None) -> str:
    """How the link is set up: identity, OCPP version, framing, line, flow control."""
    if supervisor is None:
        return ""
    parts = [f"identity {supervisor.identity}", f"OCPP {supervisor.version.value}"]
    session = supervisor.session
    if session is not None:
        extra = session.transport.info.extra
        parts += [
            f"{extra['framing']} framing" if "framing" in extra else "",
            extra.get("line", ""),
            f"flow {extra['flow']}" if "flow" in extra else "",
            f"RS-485 ({extra['rs485']})" if "rs485" in extra else "",
            f"writes {extra['write']}, {extra['chunk']}-byte chunks" if "chunk" in extra else "",
        ]
    return " · ".join(part for part in parts if part)


def link_status_content(status: LinkStatus, supervisor: LinkSupervisor | None = None) -> Content:
    """A few lines: the state (coloured), why (when not open), the set-up, what to do now.

    Everything in them may come from the charger or the OS (device names, error texts), so
    nothing is read as markup.
    """
    marker, colour = STATE_LOOK[status.state]
    head = f"{marker} {dataclasses.replace(status, detail='').text}"
    if status.attempts and status.state is LinkState.WAITING:
        head += f" · {status.attempts} reopen attempt{'s' if status.attempts > 1 else ''}"
    lines = [Content.styled(head, f"{colour} bold")]
    if status.detail and status.state is not LinkState.CONNECTED:
        lines.append(Content.styled(shorten(status.detail, 200), colour))
    setup = link_setup(supervisor)
    if setup:
        lines.append(Content.styled(setup, "$text-muted"))
    lines.append(Content.styled(WHAT_NEXT[status.state], "$text-muted"))
    return Content("\n").join(lines)
