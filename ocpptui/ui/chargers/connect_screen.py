"""`w` on the main screen: the URL to type into the charger, as text and QR code, and what to
check when the charger does not connect."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import HorizontalGroup, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from ocpptui.services.network import charger_urls
from ocpptui.ui.chargers.qr_code import qr_lines
from ocpptui.ui.chargers.welcome_panel import ServerState, tips
from ocpptui.ui.common.form_modal import FormModal
from ocpptui.ui.common.key_footer import KeyFooter


class ConnectScreen(FormModal[None]):
    """URLs, a QR code of the first one, and the troubleshooting list (in the modal forms'
    box, with nothing to fill in)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape,w", "close", "Close", tooltip="Back to the main screen", id="connect.close"
        ),
    ]

    PREFIX = "connect"
    DEFAULT_CSS = """
    ConnectScreen {
        & > .form-box { width: 100; }
        & #connect-columns { height: auto; max-height: 100%; }
        & #connect-qr { width: auto; height: auto; margin-right: 2; }
        & #connect-text { width: 1fr; height: auto; }
    }
    """

    def __init__(self, state: ServerState) -> None:
        super().__init__()
        self.state = state

    def compose(self) -> ComposeResult:
        listening = self.state.phase == "listening"
        urls = (
            charger_urls(self.state.host, self.state.port, self.state.scheme) if listening else []
        )
        with self._box("Connect a charger"):
            with VerticalScroll(id="connect-columns"), HorizontalGroup():
                if urls:
                    dark = self.app.current_theme.dark
                    code = "\n".join(qr_lines(urls[0], light_on_dark=dark))
                    yield Static(code, id="connect-qr", markup=False)
                yield Static(self._text(urls), id="connect-text", markup=False)
        yield KeyFooter(show_command_palette=False)

    def _text(self, urls: list[str]) -> Content:
        state = self.state
        if not urls:
            return Content.styled(
                "The mini-CSMS is not listening "
                f"({state.phase}{': ' + state.error if state.error else ''}), so there is no "
                "URL to give the charger.",
                "$text-warning",
            )
        lines = [Content.styled("In the charger's OCPP / back-office settings, set", "$text-muted")]
        lines += [Content.styled(f"  {url}<identity>", "$text-accent bold") for url in urls]
        lines += [
            Content.styled(
                "<identity> is the charger's id (charge point id, station name); the QR code "
                "holds the first URL without it.",
                "$text-muted",
            ),
            Content(""),
            Content.assemble(
                ("OCPP version ", "$text-muted"),
                (", ".join(state.subprotocols) or "—", "bold"),
            ),
            Content(""),
            Content.styled("When it does not connect, check:", "$text-primary bold"),
        ]
        lines += [Content.assemble(("· ", "$text-warning"), (tip, "")) for tip in tips(state)]
        lines.append(
            Content.styled(
                "· n on the main screen lists every connection attempt and why it was refused",
                "",
            )
        )
        return Content("\n").join(lines)

    def action_close(self) -> None:
        self.dismiss(None)
