"""The head of the charger screen: identity, link, boot, heartbeats, connectors, transactions."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from ocpptui.core.clock import Clock
from ocpptui.core.hub import Charger
from ocpptui.core.identity import path_word_warning
from ocpptui.ui.common.display_text import age, clock_time, energy, short_path, shorten
from ocpptui.ui.common.quiet_update import update_static

_LABEL = "$text-muted"


def _field(label: str, value: str, style: str = "") -> list[tuple[str, str] | str]:
    return [(label + " ", _LABEL), (value, style), "   "]


#: Below this many terminal rows the summary is compact: the connection in its title, then
#: three lines, so that the charger screen keeps room for frames at 80x24.
COMPACT_BELOW_ROWS = 32


class ChargerSummary(Static):
    """Everything the hub knows about one charger, a few lines high."""

    DEFAULT_CSS = """
    ChargerSummary {
        height: auto;
        padding: 0 1;
        &.-compact { text-wrap: nowrap; text-overflow: ellipsis; }
    }
    """

    def __init__(self, charger: Charger, clock: Clock, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.charger = charger
        self.clock = clock

    def on_mount(self) -> None:
        self.refresh_summary()

    def on_resize(self) -> None:
        self.refresh_summary()

    @property
    def compact(self) -> bool:
        return 0 < self.app.size.height < COMPACT_BELOW_ROWS

    @property
    def _line_width(self) -> int:
        width = self.content_region.width or self.app.size.width - 2
        return max(20, width)

    def refresh_summary(self) -> None:
        # Nothing is repainted while the text is the same (it is asked every tick a
        # message from the charger came, and every second).
        compact = self.compact
        self.set_class(compact, "-compact")
        if compact:
            title, lines = self._compact_content()
            content = Content("\n").join(lines)
        else:
            title, content = "Charger", self._content()
        if self.border_title != title:
            self.border_title = title
        update_static(self, content)

    @staticmethod
    def _security_line(session) -> Content | None:
        """Transport security in use and, in proxy mode, the upstream's state."""
        info = session.transport.info
        parts: list[tuple[str, str] | str] = []
        if info.tls_version:
            parts += _field("TLS", f"{info.tls_version} {shorten(info.cipher, 40)}")
        for key in ("auth", "client certificate", "SNI"):
            if key in info.extra:
                parts += _field(key.capitalize(), shorten(info.extra[key], 60))
        upstream = getattr(session, "upstream_state", None)
        if upstream is not None:
            style = "$text-success" if session.upstream is not None else "$text-warning bold"
            parts += _field("Upstream", shorten(upstream, 70), style)
            undelivered = getattr(session, "undelivered", 0)
            if undelivered:
                parts += _field("Not delivered upstream", str(undelivered), "$text-warning")
        certificate = session.state.certificate_status
        if certificate:
            good = "installed" in certificate
            style = "$text-success" if good else "$text-warning"
            parts += _field("Certificate", shorten(certificate, 80), style)
        return Content.assemble(*parts) if parts else None

    def _content(self) -> Content:
        charger = self.charger
        session = charger.session
        state = charger.state
        now = self.clock.wall()
        lines: list[Content] = []

        lines.append(self._head())
        warning = self._identity_warning()
        if warning is not None:
            lines.append(warning)
        if session is not None:
            security = self._security_line(session)
            if security is not None:
                lines.append(security)
        if state is None:
            return Content("\n").join(lines)

        lines.append(
            Content.assemble(
                *_field("Vendor", shorten(state.vendor, 30)),
                *_field("Model", shorten(state.model, 30)),
                *_field("Serial", shorten(state.serial, 30)),
                *_field("Firmware", shorten(state.firmware, 30), "bold"),
            )
        )

        boot_style = "$text-success" if state.boot_status == "Accepted" else "$text-warning"
        boot = shorten(state.boot_status, 12)
        if state.boot_count:
            boot += f" (boot {state.boot_count})"
        heartbeat = f"{state.heartbeat_count}"
        if state.last_heartbeat_wall is not None:
            heartbeat += f", last {age(now - state.last_heartbeat_wall)} ago"
        last_message = "—"
        if state.last_message_wall is not None:
            last_message = f"{age(now - state.last_message_wall)} ago"
        parts = [
            *_field("Boot", boot, boot_style),
            *_field("Heartbeats", heartbeat),
            *_field("Last message", last_message),
        ]
        if state.firmware_status:
            parts += _field("Firmware status", shorten(state.firmware_status, 24))
        if state.invalid_calls:
            parts += _field("Schema-broken calls", str(state.invalid_calls), "$text-warning bold")
        lines.append(Content.assemble(*parts))

        connectors: list[tuple[str, str] | str] = [("Connectors ", _LABEL)]
        if not state.connectors:
            connectors.append(("none reported yet", _LABEL))
        for connector in state.sorted_connectors:
            style = "$text-error bold" if connector.has_error else ""
            text = f"{connector.label}:{shorten(connector.status, 20)}"
            if connector.error_code not in (None, "NoError"):
                text += f"({shorten(connector.error_code, 24)})"
            if connector.info:
                text += f" “{shorten(connector.info, 30)}”"
            connectors += [(text, style), "  "]
        lines.append(Content.assemble(*connectors))

        transactions: list[tuple[str, str] | str] = [("Transactions ", _LABEL)]
        active = state.active_transactions
        if not active:
            transactions.append(("none active", _LABEL))
        for transaction in active:
            used = None
            if transaction.last_energy_wh is not None and transaction.meter_start_wh is not None:
                used = transaction.last_energy_wh - transaction.meter_start_wh
            where = "" if transaction.connector_id is None else f" on {transaction.connector_id}"
            tag = f" tag {shorten(transaction.id_tag, 20)}" if transaction.id_tag else ""
            transactions += [
                (f"#{shorten(transaction.transaction_id, 36)}{where}{tag} ", "bold"),
                (energy(used), "$text-accent"),
                "  ",
            ]
        lines.append(Content.assemble(*transactions))

        if session is not None:
            lines.append(self._log_line(session))
        return Content("\n").join(lines)

    def _log_line(self, session) -> Content:
        """`Log ~/…/frames.jsonl` on one line (or where it failed)."""
        frame_log = session.frame_log
        if frame_log.disk_error:
            return Content.assemble(
                ("Log ", _LABEL), (shorten(frame_log.disk_error, 200), "$text-error")
            )
        if frame_log.path is None:
            return Content.assemble(("Log ", _LABEL), ("not written to disk", ""))
        return Content.assemble(
            ("Log ", _LABEL), (short_path(frame_log.path, self._line_width - 4), "")
        )

    def _head(self) -> Content:
        """Identity, connection state, subprotocol and transport."""
        charger = self.charger
        session = charger.session
        head: list[tuple[str, str] | str] = [(shorten(charger.identity, 48), "bold"), "  "]
        if session is None:
            head.append(("never connected", "$text-muted"))
            return Content.assemble(*head)
        if session.connected:
            head.append(("● connected", "$text-success bold"))
            since = f" since {clock_time(session.connected_wall, milliseconds=False)}"
            head.append((since, _LABEL))
        else:
            reason = shorten(session.close_reason, 60, placeholder="closed")
            head.append((f"○ disconnected: {reason}", "$text-warning bold"))
        head += ["  ", (session.version.subprotocol, "bold"), "  "]
        head.append((shorten(session.transport.info.summary, 60), _LABEL))
        return Content.assemble(*head)

    def _identity_warning(self) -> Content | None:
        """A warning when the identity looks like a word of the URL rather than a name."""
        warning = path_word_warning(self.charger.identity)
        if warning is None:
            return None
        return Content.assemble(("⚠ ", "$text-warning bold"), (warning, "$text-warning"))

    def _compact_content(self) -> tuple[Content, list[Content]]:
        """(title, lines) for a short terminal: the head in the border's title, then the
        charger, its boot and heartbeat; connectors and transactions; the log."""
        session = self.charger.session
        title = self._head()
        if session is not None:
            security = self._security_line(session)
            if security is not None:
                title = Content.assemble(title, "  ", security)
        state = self.charger.state
        if state is None or session is None:
            lines = [Content.styled("No BootNotification yet.", _LABEL)]
            warning = self._identity_warning()
            return title, lines if warning is None else [warning, *lines]
        now = self.clock.wall()
        boot_style = "$text-success" if state.boot_status == "Accepted" else "$text-warning"
        boot = shorten(state.boot_status, 12)
        if state.boot_count:
            boot += f" ({state.boot_count})"
        first: list[tuple[str, str] | str] = [
            (shorten(" ".join(p for p in (state.vendor, state.model) if p), 30), "bold"),
            "  ",
            (shorten(state.serial, 24), ""),
            "  ",
            *_field("fw", shorten(state.firmware, 20), "bold"),
            *_field("Boot", boot, boot_style),
        ]
        if state.last_message_wall is not None:
            first += _field("seen", f"{age(now - state.last_message_wall)} ago")
        if state.firmware_status:
            first += _field("Firmware status", shorten(state.firmware_status, 24))
        if state.invalid_calls:
            first += _field("Schema-broken calls", str(state.invalid_calls), "$text-warning bold")
        second: list[tuple[str, str] | str] = [("Connectors ", _LABEL)]
        for connector in state.sorted_connectors:
            style = "$text-error bold" if connector.has_error else ""
            text = f"{connector.label}:{shorten(connector.status, 20)}"
            if connector.error_code not in (None, "NoError"):
                text += f"({shorten(connector.error_code, 24)})"
            second += [(text, style), " "]
        if not state.connectors:
            second.append(("none reported yet", _LABEL))
        for transaction in state.active_transactions:
            used = None
            if transaction.last_energy_wh is not None and transaction.meter_start_wh is not None:
                used = transaction.last_energy_wh - transaction.meter_start_wh
            where = "" if transaction.connector_id is None else f" on {transaction.connector_id}"
            second += [
                "  ",
                (f"#{shorten(transaction.transaction_id, 20)}{where} ", "bold"),
                (energy(used), "$text-accent"),
            ]
        lines = [Content.assemble(*first), Content.assemble(*second), self._log_line(session)]
        warning = self._identity_warning()
        return title, lines if warning is None else [warning, *lines]
