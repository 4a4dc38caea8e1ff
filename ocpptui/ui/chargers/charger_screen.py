"""One charger: what the hub knows about it, and its live, filterable frame log."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.command import SimpleCommand
from textual.content import Content
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, Select, Static, TabbedContent, TabPane, TextArea

from ocpptui.app.bridge import HubBridge
from ocpptui.core.clock import Clock
from ocpptui.core.config import BootAnswer
from ocpptui.core.hub import Charger
from ocpptui.protocol import catalog
from ocpptui.protocol.versions import OcppVersion
from ocpptui.ui.chargers.charger_link_panel import (
    ChargerLinkPanel,
    pending,
    toggle_ping,
    toggle_validation,
)
from ocpptui.ui.chargers.charger_summary import ChargerSummary
from ocpptui.ui.commands.commands_panel import CommandsPanel
from ocpptui.ui.commands.composer import Composer
from ocpptui.ui.common.hub_listener import ChargerEvent, ChargerListener
from ocpptui.ui.common.key_footer import KeyFooter
from ocpptui.ui.common.prompt_screen import PromptScreen
from ocpptui.ui.common.quiet_update import update_static
from ocpptui.ui.configuration.device_model_panel import DeviceModelPanel
from ocpptui.ui.configuration.dialogs import ConfigurationDialogs
from ocpptui.ui.configuration.edit_value_screen import EditValueScreen
from ocpptui.ui.configuration.export_screen import ExportScreen
from ocpptui.ui.configuration.keys_panel import KeysPanel
from ocpptui.ui.configuration.network_profile_screen import NetworkProfileScreen
from ocpptui.ui.configuration.profile_diff_screen import ProfileDiffScreen
from ocpptui.ui.files.open_file_screen import OpenFileScreen
from ocpptui.ui.frames.filter_bar import FilterBar
from ocpptui.ui.frames.frame_filter_screen import FrameFilterScreen, frame_filter_bindings
from ocpptui.ui.frames.frame_table import FrameTable
from ocpptui.wording import counted

if TYPE_CHECKING:
    from ocpptui.app.app import OcppTuiApp


#: The screens the Configuration tab's panels open (widgets import no screen: this one hands
#: them over).
CONFIGURATION_DIALOGS = ConfigurationDialogs(
    edit_value=EditValueScreen,
    name=PromptScreen,
    pick_profile=OpenFileScreen,
    profile_diff=ProfileDiffScreen,
    export=ExportScreen,
    network_profile=NetworkProfileScreen,
)


def status_line(status: FrameTable.StatusChanged, filter_error: str | None) -> Content:
    """`1,234 frames · 56 shown · following`, or what stops the log from moving."""
    held = counted(status.held, "frame")
    parts: list[tuple[str, str] | str] = [(f"{held} in memory", "$text-muted")]
    if status.filtered:
        verb = "matches" if status.shown == 1 else "match"
        parts += [" · ", (f"{status.shown:,} {verb} the filter", "$text-accent")]
    if status.paused:
        parts += [" · ", ("paused", "$text-warning bold")]
        if status.pending:
            parts.append((f" — {status.pending:,} new frames, p to resume", "$text-warning"))
    elif not status.following:
        parts += [" · ", (f"{status.pending:,} new frames — End to follow", "$text-warning bold")]
    else:
        parts += [" · ", ("following", "$text-success")]
    if filter_error:
        parts += ["  ", (f"filter: {filter_error}", "$text-error")]
    return Content.assemble(*parts)


#: The charger screen's tabs: (pane id, title); digit keys 1… show them in this order.
TABS = (
    ("tab-frames", "Frames"),
    ("tab-config", "Configuration"),
    ("tab-commands", "Commands"),
    ("tab-composer", "Composer"),
)
#: Keys that act on the frame log: hidden while another tab is shown.
FRAME_ACTIONS = frozenset({"focus_filter", "toggle_errors", "clear_filter"})


class ChargerScreen(ChargerListener, FrameFilterScreen):
    """Summary on top, filter bar, the charger's frames, a status line."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", tooltip="Back to the charger list", id="charger.back"),
        *frame_filter_bindings(
            filter_id="charger.filter", errors_id="charger.errors", clear_id="charger.clear_filter"
        ),
        *(
            Binding(
                str(number),
                f"show_tab('{pane}')",
                title,
                show=False,
                tooltip=f"Show the {title} tab",
                id=f"charger.tab_{pane.removeprefix('tab-')}",
            )
            for number, (pane, title) in enumerate(TABS, start=1)
        ),
        Binding(
            "u",
            "firmware",
            "Firmware",
            tooltip="Upgrade the firmware from a file on this laptop",
            id="charger.firmware",
        ),
        Binding(
            "g",
            "diagnostics",
            "Logs",
            tooltip="Pull diagnostics / logs onto this laptop",
            id="charger.diagnostics",
        ),
        Binding(
            "r",
            "release",
            "Release",
            tooltip="Accept the boot of this Pending charger",
            id="charger.release",
        ),
        Binding(
            "v",
            "toggle_validation",
            "Validation",
            tooltip="Lenient or strict schema validation for this charger",
            id="charger.validation",
            show=False,
        ),
        Binding(
            "o",
            "toggle_ping",
            "Ping",
            tooltip="WebSocket pings on or off for this charger",
            id="charger.ping",
            show=False,
        ),
        Binding(
            "k",
            "app.commissioning",
            "Commission",
            tooltip="Commissioning checklist with evidence, site notes and the report",
            id="charger.commissioning",
        ),
    ]

    AUTO_FOCUS = "#charger-frames"

    def __init__(
        self, charger: Charger, bridge: HubBridge, clock: Clock, refresh_hz: float
    ) -> None:
        super().__init__()
        self.charger = charger
        self.bridge = bridge
        self.clock = clock
        self.refresh_hz = refresh_hz
        self._filter_error: str | None = None
        self._last_status: FrameTable.StatusChanged | None = None
        self._keys_state: tuple[object, ...] = ()
        self._covered_by_screen = False

    def compose(self) -> ComposeResult:
        summary = ChargerSummary(self.charger, self.clock, id="summary")
        summary.border_title = "Charger"
        yield summary
        yield ChargerLinkPanel(self.charger, id="link-panel")
        titles = dict(TABS)
        with TabbedContent(id="charger-tabs", initial="tab-frames"):
            with TabPane(f"1 {titles['tab-frames']}", id="tab-frames"):
                yield FilterBar(self._known_actions(), id="filter-bar")
                frames = FrameTable(
                    self.charger.frames,
                    refresh_hz=self.refresh_hz,
                    empty_hint="No frames from this charger yet.",
                    id="charger-frames",
                )
                frames.border_title = "Frames"
                frames.status_listener = self._frames_status  # in the same repaint
                yield frames
                yield Static(id="frame-status", markup=False)
            # The other tabs are built the first time they are shown (_ensure_panel).
            for pane, title in TABS[1:]:
                number = [p for p, _ in TABS].index(pane) + 1
                yield TabPane(f"{number} {title}", id=pane)
        # The palette hint would push keys off an 80-column footer; help lists ctrl+p.
        yield KeyFooter(show_command_palette=False)

    def _known_actions(self) -> list[str]:
        session = self.charger.session
        version = session.version if session is not None else OcppVersion.V16
        return list(catalog.actions(version))

    @property
    def frame_table(self) -> FrameTable:
        return self.query_one("#charger-frames", FrameTable)

    def on_mount(self) -> None:
        self.set_interval(1.0, self._refresh_summary, name="summary-ages")
        self._show_status()  # what the table reported while the screen was being built

    def on_screen_suspend(self) -> None:
        # Processed once the covering screen is on the stack: remember whether it is a whole
        # screen (firmware, logs, checklist ...) rather than a dialog about the focused field.
        self._covered_by_screen = not isinstance(self.app.screen, ModalScreen)

    def on_screen_resume(self) -> None:
        """Back from the firmware or logs screen: the tab's table or list has the focus, so
        the keys in the footer act and are not typed into a form field."""
        if not self._covered_by_screen:
            return
        self._covered_by_screen = False
        home = self._home_widget(self.active_tab)
        if home is not None and isinstance(self.focused, (Input, Select, TextArea)):
            home.focus()

    def _refresh_summary(self) -> None:
        self.query_one(ChargerSummary).refresh_summary()
        self.query_one(ChargerLinkPanel).refresh_panel()
        # The keys depend on the link only (firmware, logs, release, validation, ping).
        keys_state = (self.charger.session, self.charger.connected, pending(self.charger))
        if keys_state != self._keys_state:
            self._keys_state = keys_state
            self.refresh_bindings()

    # ------------------------------------------------------------------ hub messages

    def charger_changed(self, event: ChargerEvent) -> None:
        self._refresh_summary()

    # ------------------------------------------------------------------ frame log

    def _frames_status(self, status: FrameTable.StatusChanged) -> None:
        self._last_status = status
        self._show_status()

    def _show_status(self) -> None:
        if self._last_status is not None:
            status = self.query_one_optional("#frame-status", Static)
            if status is None:
                return  # the table reports before the line is mounted; it shows it then
            content = status_line(self._last_status, self._filter_error)
            # One line high whatever it says: no layout pass for a new count.
            update_static(status, content, layout=False)

    @on(FilterBar.FilterChanged)
    def _filter_changed(self, message: FilterBar.FilterChanged) -> None:
        self._filter_error = message.error
        self.frame_table.frame_filter = message.frame_filter
        self._show_status()
        self.refresh_bindings()

    # ------------------------------------------------------------------ actions

    def action_back(self) -> None:
        if self.leave_filter_bar():
            return
        focused = self.focused
        home = self._home_widget(self.active_tab)
        if (
            isinstance(focused, (Input, Select, TextArea))
            and home is not None
            and focused is not home
        ):
            home.focus()
            return
        self.dismiss(None)

    # ------------------------------------------------------------------ tabs

    #: The widget each tab focuses when it is shown (and escape returns to).
    HOME_WIDGETS: ClassVar[dict[str, str]] = {
        "tab-frames": "#charger-frames",
        "tab-config": "#config-table, #model-tree",
        "tab-commands": "#command-list",
        "tab-composer": "#composer-action",
    }

    @property
    def active_tab(self) -> str:
        tabs = self.query_one_optional("#charger-tabs", TabbedContent)
        return tabs.active if tabs is not None else "tab-frames"

    def _home_widget(self, pane: str) -> Widget | None:
        selector = self.HOME_WIDGETS.get(pane)
        if selector is None:
            return None
        for widget in self.query_one(f"#{pane}", TabPane).query(selector):
            return widget
        return None

    def _new_panel(self, pane: str) -> Widget | None:
        """The widget of a tab built on first show (they are heavy; most visits skip them)."""
        if pane == "tab-config":
            session = self.charger.session
            two_x = session is not None and session.version.is_2x
            panel_class = DeviceModelPanel if two_x else KeysPanel
            return panel_class(self.charger, self.bridge, CONFIGURATION_DIALOGS)
        if pane == "tab-commands":
            return CommandsPanel(self.charger, self.bridge, id="commands-panel")
        if pane == "tab-composer":
            return Composer(self.charger, self.bridge, id="composer")
        return None

    async def _ensure_panel(self, pane: str) -> bool:
        """Mount `pane`'s widget if it is not there yet; True when it was just mounted."""
        tab_pane = self.query_one(f"#{pane}", TabPane)
        if tab_pane.children:
            return False
        panel = self._new_panel(pane)
        if panel is None:
            return False
        await tab_pane.mount(panel)
        return True

    async def action_show_tab(self, pane: str) -> None:
        self.query_one("#charger-tabs", TabbedContent).active = pane
        await self._ensure_panel(pane)
        home = self._home_widget(pane)
        if home is not None:
            home.focus()

    @on(TabbedContent.TabActivated, "#charger-tabs")
    async def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        event.stop()
        pane = event.pane.id or ""
        if await self._ensure_panel(pane):
            home = self._home_widget(pane)
            if home is not None:
                home.focus()
        self.refresh_bindings()

    @on(CommandsPanel.FrameShown)
    async def _frame_shown(self, message: CommandsPanel.FrameShown) -> None:
        message.stop()
        await self.action_show_tab("tab-frames")
        self.filter_bar.clear()
        self.call_after_refresh(self.frame_table.select_frame, message.frame)

    def palette_commands(self) -> list[SimpleCommand]:
        """Commands of the tabs' panels; each shows its tab first."""
        commands: list[SimpleCommand] = []
        for pane, title in TABS:
            commands.append(
                SimpleCommand(
                    f"Show the {title} tab", partial(self.action_show_tab, pane), f"Charger {title}"
                )
            )
        for panel in self.query("#config-panel, #commands-panel, #composer"):
            pane = panel.query_ancestor(TabPane).id or ""
            for command in panel.palette_commands():  # type: ignore[attr-defined]
                commands.append(
                    command._replace(callback=partial(self._in_tab, pane, command.callback))
                )
        return commands

    async def _in_tab(self, pane: str, callback: Callable[[], object]) -> object:
        await self.action_show_tab(pane)
        return callback()

    def action_toggle_pause(self) -> None:
        self.frame_table.action_toggle_pause()

    def action_copy_frame(self) -> None:
        self.frame_table.action_copy_frame()

    async def action_firmware(self) -> None:
        await cast("OcppTuiApp", self.app).open_firmware(self.identity)

    async def action_diagnostics(self) -> None:
        await cast("OcppTuiApp", self.app).open_diagnostics(self.identity)

    def action_release(self) -> None:
        if pending(self.charger):
            cast("OcppTuiApp", self.app).decide(self.identity, BootAnswer.ACCEPTED)

    def action_toggle_validation(self) -> None:
        session = self.charger.session
        if session is not None:
            policy = toggle_validation(session)
            self.notify(f"Validation for this charger: {policy.value}")
            self._refresh_summary()

    def action_toggle_ping(self) -> None:
        session = self.charger.session
        if session is not None:
            on = toggle_ping(session)
            self.notify(f"WebSocket pings for this charger: {'on' if on else 'off'}")
            self._refresh_summary()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("firmware", "diagnostics"):
            return True if self.charger.connected else None
        if action == "release":
            return pending(self.charger)
        if action in ("toggle_validation", "toggle_ping"):
            return self.charger.session is not None
        if action in FRAME_ACTIONS and self.active_tab != "tab-frames":
            return False
        if action == "clear_filter":
            # Hidden rather than greyed: the footer has no room for keys that do nothing.
            table = self.query_one_optional("#charger-frames", FrameTable)
            return table is not None and table.filtered
        return True
