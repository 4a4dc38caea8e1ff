"""What the technician types into the charger: the URLs of this mini-CSMS and its protocols."""

from __future__ import annotations

from dataclasses import dataclass

from textual.content import Content
from textual.widgets import Static

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

    def show(self, state: ServerState) -> None:
        self.urls = []
        self.update(self._content(state))

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
        lines.append(
            Content.assemble(
                ("Subprotocols ", "$text-muted"),
                (", ".join(state.subprotocols), "bold"),
                (" · <identity> = the last path segment", "$text-muted"),
            )
        )
        return Content("\n").join(lines)
