"""Help sections for the charger screen's tabs and the screens they open (listed by `?`)."""

from __future__ import annotations

from ocpptui.ui.commands.commands_panel import CommandsPanel
from ocpptui.ui.commands.composer import Composer
from ocpptui.ui.commissioning.playbook_run_screen import PlaybookRunScreen
from ocpptui.ui.configuration.device_model_panel import DeviceModelPanel
from ocpptui.ui.configuration.device_model_tree import DeviceModelTree
from ocpptui.ui.configuration.edit_value_screen import EditValueScreen
from ocpptui.ui.configuration.keys_panel import KeysPanel
from ocpptui.ui.configuration.keys_table import KeysTable
from ocpptui.ui.configuration.network_profile_screen import NetworkProfileScreen
from ocpptui.ui.configuration.profile_diff_screen import ProfileDiffScreen
from ocpptui.ui.help.help_screen import HelpSections


def charger_tab_sections() -> HelpSections:
    return [
        (
            "Configuration tab, OCPP 1.6 (2 on a charger screen)",
            [*KeysTable.BINDINGS, *KeysPanel.BINDINGS],
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
