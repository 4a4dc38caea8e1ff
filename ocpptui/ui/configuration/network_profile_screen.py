""" "Point this charger at its real CSMS": URL, slot, security profile, interface (2.0.1/2.1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import urlparse

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.widgets import Button, Input, Label, Select, Static

from ocpptui.ui.common.form_modal import FormModal, cancel_binding, send_binding
from ocpptui.ui.common.key_footer import KeyFooter

INTERFACES = tuple(f"{kind}{n}" for kind in ("Wired", "Wireless") for n in range(4))
SECURITY_PROFILES = (
    ("0: no security (ws://)", 0),
    ("1: basic auth (ws://)", 1),
    ("2: TLS + basic auth (wss://)", 2),
    ("3: TLS with client certificate (wss://)", 3),
)


@dataclass(frozen=True, slots=True)
class NetworkProfileForm:
    url: str
    slot: int
    security_profile: int
    interface: str


def form_problem(url: str, slot: str, security_profile: int) -> str | None:
    """Why the form cannot be sent, or None."""
    parsed = urlparse(url)
    if parsed.scheme not in ("ws", "wss") or not parsed.netloc:
        return "the CSMS URL starts with ws:// or wss:// and names a host"
    if len(url) > 512:
        return "the CSMS URL has at most 512 characters"
    if security_profile >= 2 and parsed.scheme != "wss":
        return "security profiles 2 and 3 need a wss:// URL"
    if security_profile <= 1 and parsed.scheme != "ws":
        return "security profiles 0 and 1 use ws:// (2 or 3 for wss://)"
    try:
        number = int(slot)
    except ValueError:
        return "the slot is a whole number"
    if number < 0:
        return "the slot is 0 or more"
    return None


class NetworkProfileScreen(FormModal[NetworkProfileForm | None]):
    """A small form; the charger switches to the new CSMS after its next reconnect or reset."""

    BINDINGS: ClassVar[list[BindingType]] = [
        cancel_binding("Close without sending", "network.cancel"),
        send_binding("SetNetworkProfile, then NetworkConfigurationPriority", "network.send"),
    ]

    PREFIX = "network"
    DEFAULT_CSS = """
    NetworkProfileScreen {
        & > .form-box { width: 84; }
        & #network-text { height: auto; color: $text-muted; }
        & .network-row { height: auto; }
        & .network-row { margin-top: 1; }
        & .network-row > Label { width: 18; }
        & .network-row > Input, & .network-row > Select { width: 1fr; }
        & #network-buttons { height: auto; align-horizontal: right; margin-top: 1; }
        & Button { margin-left: 1; }
    }
    """

    def __init__(self, identity: str, slot: int = 1, security_profile: int | None = None) -> None:
        """`security_profile`: the one in use, when the device model says (chargers refuse
        a lower one)."""
        super().__init__()
        self.identity = identity
        self.slot = slot
        self.current_security = security_profile

    def compose(self) -> ComposeResult:
        with self._box("Point this charger at its real CSMS"):
            yield Static(
                f"Sends SetNetworkProfile to {self.identity}, then puts the slot first in "
                "OCPPCommCtrlr.NetworkConfigurationPriority. The charger moves to the new CSMS "
                "after its next reconnect or reset. Profiles 1 and 2 also need "
                "SecurityCtrlr.BasicAuthPassword."
                + (
                    f" It uses security profile {self.current_security} now: chargers refuse "
                    "a lower one."
                    if self.current_security is not None
                    else ""
                ),
                id="network-text",
                markup=False,
            )
            with Horizontal(classes="network-row"):
                yield Label("CSMS URL *")
                yield Input(
                    placeholder="wss://csms.example.com/ocpp/CP-1", compact=True, id="network-url"
                )
            with Horizontal(classes="network-row"):
                yield Label("Slot *")
                yield Input(str(self.slot), type="integer", compact=True, id="network-slot")
            with Horizontal(classes="network-row"):
                yield Label("Security profile")
                yield Select(
                    SECURITY_PROFILES,
                    value=self.current_security if self.current_security in range(4) else 0,
                    allow_blank=False,
                    compact=True,
                    id="network-security",
                )
            with Horizontal(classes="network-row"):
                yield Label("Interface")
                yield Select(
                    [(name, name) for name in INTERFACES],
                    value="Wired0",
                    allow_blank=False,
                    compact=True,
                    id="network-interface",
                )
            yield self._error_line()
            yield from self._buttons("Send")
        yield KeyFooter(show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#network-url", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#network-ok")
    def _submit(self, event: Input.Submitted | Button.Pressed) -> None:
        event.stop()
        self.action_send()

    def action_send(self) -> None:
        url = self.query_one("#network-url", Input).value.strip()
        slot = self.query_one("#network-slot", Input).value.strip()
        security = self.query_one("#network-security", Select).value
        interface = self.query_one("#network-interface", Select).value
        security_profile = security if isinstance(security, int) else 0
        problem = form_problem(url, slot, security_profile)
        if problem is not None:
            self._show_error(problem)
            return
        self.dismiss(NetworkProfileForm(url, int(slot), security_profile, str(interface)))
