"""What the technician types into the charger: the URLs of this mini-CSMS and its protocols."""

from __future__ import annotations

from dataclasses import dataclass

from textual.content import Content
from textual.widgets import Static

from ocpptui.core.attempts import advice_for
from ocpptui.services.network import charger_urls


@dataclass(frozen=True, slots=True)
class ServerState:
    """Where the server is in its life, as the welcome panel shows it."""

    phase: str  # "starting", "listening", "failed", "stopped", "off"
    host: str
    port: int
    subprotocols: tuple[str, ...] = ()
    error: str | None = None
    scheme: str = "ws"  # "wss" when the server speaks TLS
    upstream: str | None = None  # proxy mode: the real CSMS's URL
    upstream_note: str | None = None  # proxy mode: what a TLS upstream sees (UpstreamConfig)


class WelcomePanel(Static):
    """`ws://<laptop address>:<port>/<identity>` for each address, or why there is none."""

    DEFAULT_CSS = """
    WelcomePanel {
        height: auto;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.urls: list[str] = []
        self.state: ServerState | None = None
        #: Show what to check when no charger has connected for a while.
        self.troubleshooting = False
        #: Why the last attempt was refused (and what to do), while no charger is connected.
        self.refusal: str | None = None
        self.refusal_advice: str | None = None

    def show(self, state: ServerState) -> None:
        self.state = state
        self.urls = []
        self.update(self._content(state))

    def show_troubleshooting(self, on: bool) -> None:
        if on != self.troubleshooting:
            self.troubleshooting = on
            if self.state is not None:
                self.show(self.state)

    def show_refusal(self, reason: str | None, advice: str | None = None) -> None:
        """A charger reached the laptop and was refused (None: one is connected now)."""
        if reason != self.refusal or advice != self.refusal_advice:
            self.refusal = reason
            self.refusal_advice = advice if advice is not None else advice_for(reason or "")
            if self.state is not None:
                self.show(self.state)

    def _content(self, state: ServerState) -> Content:
        if state.phase == "starting":
            return Content.styled(
                f"Starting the server on {state.host}:{state.port} …", "$text-muted"
            )
        if state.phase == "off":
            return Content.styled(
                "No WebSocket server in this mode: the charger is on a local link "
                "(serial or Bluetooth) and appears below once it talks.",
                "$text-muted",
            )
        if state.phase == "failed":
            return Content.assemble(
                (f"Not listening on {state.host}:{state.port}: ", "$text-error bold"),
                (state.error or "the server could not start", "$text-error"),
            )
        if state.phase == "stopped":
            return Content.styled(
                "The server has stopped; chargers cannot connect.", "$text-warning"
            )
        urls = charger_urls(state.host, state.port, scheme=state.scheme)
        self.urls = [url + "<identity>" for url in urls]
        security = "plain ws://, no TLS" if state.scheme == "ws" else "TLS: wss://"
        lines = [
            Content.assemble(
                ("Point the charger at " if index == 0 else "                  or ", "$text-muted"),
                (url, "$text-accent bold"),
                (f"   {security}" if index == 0 else "", "$text-muted"),
            )
            for index, url in enumerate(self.urls)
        ]
        if state.upstream is not None:
            lines.append(
                Content.assemble(
                    ("Proxy mode: ", "$text-warning bold"),
                    ("every frame is forwarded to ", "$text-muted"),
                    (f"{state.upstream.rstrip('/')}/<identity>", "bold"),
                )
            )
            if state.upstream_note:
                lines.append(Content.styled(f"  {state.upstream_note}", "$text-warning"))
        lines.append(
            Content.assemble(
                ("Subprotocols ", "$text-muted"),
                (", ".join(state.subprotocols), "bold"),
                (" · <identity> = the last path segment", "$text-muted"),
            )
        )
        if self.refusal is not None:
            # The network and firewall are fine (it got here): the refusal says what is wrong.
            lines.extend(refusal_lines(self.refusal, self.refusal_advice))
        elif self.troubleshooting:
            lines.append(
                Content.styled("No charger has connected yet. Check:", "$text-warning bold")
            )
            lines.extend(
                Content.assemble(("  · ", "$text-warning"), (tip, "")) for tip in tips(state)
            )
            lines.append(
                Content.styled(
                    "  w shows the URL as a QR code · n lists every attempt and why it failed",
                    "$text-muted",
                )
            )
        return Content("\n").join(lines)


def refusal_lines(reason: str, advice: str | None) -> list[Content]:
    """The last refusal, what to do about it, and where every attempt is listed."""
    lines = [
        Content.assemble(
            ("A charger reached this laptop but was refused: ", "$text-warning bold"),
            (reason, "$text-warning"),
        )
    ]
    where = ("  n lists every attempt", "$text-muted")
    if advice is not None:
        lines.append(Content.assemble(("  what to do: ", "$text-muted"), (advice, ""), where))
    else:
        lines.append(Content.assemble(where))
    return lines


def tips(state: ServerState) -> list[str]:
    """What to check when a charger does not connect, worded for this server."""
    scheme = state.scheme
    other = "wss://" if scheme == "ws" else "ws://"
    offered = "/".join(p.removeprefix("ocpp") for p in state.subprotocols) or "1.6/2.0.1"
    return [
        "same network: the charger must reach this laptop's address (not a guest Wi-Fi)",
        f"firewall: allow incoming TCP {state.port} on this laptop",
        f"{scheme}:// here, not {other} (wss:// needs [security] profile 2 and ocpp-tui certs)",
        "the URL's last segment is the charger's identity; some chargers append it themselves",
        f"the charger's OCPP version is {offered} (the WebSocket subprotocol)",
    ]
