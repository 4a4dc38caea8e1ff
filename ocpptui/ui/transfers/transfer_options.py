"""The part of a transfer form that firmware and diagnostics share: protocol, address, retries.

Also the two pieces every row of those forms is made of (`form_row`, `form_input`), so the
screens' own rows line up with these.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Input, Label, RadioButton, RadioSet, Select, Static

from ocpptui.app.file_transfers import parse_count
from ocpptui.services.network import LocalAddress
from ocpptui.services.transfer_schemes import KEY_16, SchemeChoice, choice_from_list
from ocpptui.ui.common.display_text import shorten

#: The order of the protocol buttons (the pre-selection follows `transfer_schemes`).
SCHEMES = ("http", "https", "ftp", "sftp")


def not_served_text(scheme: str) -> str:
    """Why a scheme is greyed out in the form."""
    if scheme == "sftp":
        return "SFTP is off: set [files] sftp = true in the settings"
    return "HTTPS needs a certificate: run `ocpp-tui certs` (and keep [files] https = true)"


def form_row(label: str, *fields: Widget) -> Horizontal:
    """One line of a transfer form: the label in the label column, then its fields."""
    return Horizontal(Label(label, classes="form-label"), *fields, classes="form-row")


def form_input(
    id: str,
    placeholder: str,
    tooltip: str | None = None,
    *,
    integer: bool = False,
    classes: str | None = None,
) -> Input:
    """A one-line field as the transfer forms draw them all: compact, hint in the placeholder."""
    return Input(
        placeholder=placeholder,
        type="integer" if integer else "text",
        compact=True,
        id=id,
        classes=classes,
        tooltip=tooltip,
    )


class TransferOptions(Vertical):
    """Protocol (pre-selected from the charger's list, warned when unlisted: the choice and
    the warning of `services.transfer_schemes`), the laptop address chargers fetch from,
    retries and retry interval."""

    DEFAULT_CSS = """
    TransferOptions {
        height: auto;
        & > .form-row { height: 1; margin-top: 1; }
        & .form-label { width: 16; color: $text-muted; }
        & .form-label-inline { width: auto; color: $text-muted; padding: 0 1 0 2; }
        & RadioSet { layout: horizontal; width: auto; height: 1; }
        & RadioSet > RadioButton { width: auto; margin-right: 2; }
        & Select { width: 1fr; max-width: 48; }
        & .count { width: 10; }
        & > #scheme-note { height: auto; margin-left: 16; }
    }
    """

    def __init__(
        self,
        listed: list[str] | None,
        available: tuple[str, ...],
        addresses: list[LocalAddress],
        default_address: str | None,
        *,
        key: str = KEY_16,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.listed = listed
        self.available = available
        self.addresses = addresses
        self.default_address = default_address
        self.key = key
        self._scheme = self._choice().preferred
        self._touched = False  # the technician picked a protocol: keep it

    def _choice(self, chosen: str | None = None) -> SchemeChoice:
        return choice_from_list(self.listed, self.available, chosen, self.key)

    def compose(self) -> ComposeResult:
        schemes = (self._scheme_button(scheme) for scheme in SCHEMES)
        yield form_row("Protocol", RadioSet(*schemes, id="scheme", compact=True))
        yield Static(id="scheme-note", markup=False)
        yield form_row(
            "Laptop address",
            Select(
                self._address_options(),
                value=self.default_address if self.default_address else Select.NULL,
                allow_blank=self.default_address is None,
                prompt="automatic",
                compact=True,
                id="address",
                tooltip="The address the charger downloads from: one on the charger's network",
            ),
        )
        yield form_row(
            "Retries",
            form_input(
                "retries",
                "default",
                "Extra attempts after the first (blank: the charger's default)",
                integer=True,
                classes="count",
            ),
            Label("Interval (s)", classes="form-label-inline"),
            form_input(
                "retry-interval",
                "default",
                "Seconds between attempts (blank: the charger's default)",
                integer=True,
                classes="count",
            ),
        )

    def _scheme_button(self, scheme: str) -> RadioButton:
        served = scheme in self.available
        return RadioButton(
            Content(scheme.upper() if served else f"{scheme.upper()} (off)"),
            tooltip=None if served else not_served_text(scheme),
            value=scheme == self._scheme,
            id=f"scheme-{scheme}",
            disabled=not served,
            compact=True,
        )

    def _address_options(self) -> list[tuple[str, str]]:
        options = [
            (f"{address.address}  ({shorten(address.interface, 24)})", address.address)
            for address in self.addresses
        ]
        known = {address for _, address in options}
        if self.default_address and self.default_address not in known:
            options.insert(0, (f"{self.default_address}  (settings)", self.default_address))
        return options

    def on_mount(self) -> None:
        self._show_note()

    @on(RadioSet.Changed, "#scheme")
    def _scheme_changed(self, event: RadioSet.Changed) -> None:
        button_id = event.pressed.id or ""
        scheme = button_id.removeprefix("scheme-")
        if scheme != self._scheme:
            self._touched = True
        self._scheme = scheme
        self._show_note()

    def _show_note(self) -> None:
        warning = self.warning
        note = self.query_one("#scheme-note", Static)
        if warning is None:
            listed = ", ".join(self.listed or [])
            note.update(Content.styled(f"listed by the charger: {listed}", "$text-success"))
        elif self.listed is None:
            note.update(Content.styled(warning, "$text-muted"))
        else:
            note.update(Content.assemble(("⚠ ", "$text-warning bold"), (warning, "$text-warning")))

    def set_listed(self, listed: list[str] | None) -> None:
        """The charger's list arrived: pre-select from it unless the technician chose."""
        self.listed = listed
        if not self._touched:
            scheme = self._choice().preferred
            if scheme != self._scheme:
                self.query_one(f"#scheme-{scheme}", RadioButton).value = True
                self._scheme = scheme
        self._show_note()

    # ------------------------------------------------------------------ values

    @property
    def scheme(self) -> str:
        return self._scheme

    @property
    def warning(self) -> str | None:
        return self._choice(self._scheme).warning

    @property
    def advertise_host(self) -> str | None:
        value = self.query_one("#address", Select).value
        return value if isinstance(value, str) else None

    @property
    def retries(self) -> int | None:
        return parse_count(self.query_one("#retries", Input).value, "Retries")

    @property
    def retry_interval(self) -> int | None:
        return parse_count(self.query_one("#retry-interval", Input).value, "Retry interval")
