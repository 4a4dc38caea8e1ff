"""Help sections for the charger screen's tabs and the screens they open (listed by `?`)."""

from __future__ import annotations

from ocpptui.screens.edit_value import EditValueScreen
from ocpptui.screens.help import HelpSections
from ocpptui.screens.network_profile import NetworkProfileScreen
from ocpptui.screens.playbook_run import PlaybookRunScreen
from ocpptui.screens.profile_diff import ProfileDiffScreen
from ocpptui.widgets.commands_panel import CommandsPanel
from ocpptui.widgets.composer import Composer
from ocpptui.widgets.config_panel import ConfigPanel
from ocpptui.widgets.config_table import ConfigTable
from ocpptui.widgets.device_model_panel import DeviceModelPanel
from ocpptui.widgets.device_model_tree import DeviceModelTree


def charger_tab_sections() -> HelpSections:
    return [
        (
            "Configuration tab, OCPP 1.6 (2 on a charger screen)",
            [*ConfigTable.BINDINGS, *ConfigPanel.BINDINGS],
        ),
        (
            "Configuration tab, OCPP 2.0.1/2.1",
            [*DeviceModelTree.BINDINGS, *DeviceModelPanel.BINDINGS],
        ),
        ("Editing a value", EditValueScreen.BINDINGS),
        ("Point at the real CSMS (n, 2.0.1/2.1)", NetworkProfileScreen.BINDINGS),
        ("Applying a profile (p)", ProfileDiffScreen.BINDINGS),
        ("Commands tab (3)", CommandsPanel.BINDINGS),
        ("Composer tab (4)", Composer.BINDINGS),
        ("Playbook (r on the main screen)", PlaybookRunScreen.BINDINGS),
    ]
