"""The screens the Configuration tab opens, handed to its panels by the screen that shows the
tab: the panels are widgets, and widgets import no screen (screens import widgets)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ocpptui.ui.common.prompt_screen import PromptScreen
    from ocpptui.ui.configuration.edit_value_screen import EditValueScreen
    from ocpptui.ui.configuration.export_screen import ExportScreen
    from ocpptui.ui.configuration.network_profile_screen import NetworkProfileScreen
    from ocpptui.ui.configuration.profile_diff_screen import ProfileDiffScreen
    from ocpptui.ui.files.open_file_screen import OpenFileScreen


@dataclass(frozen=True, slots=True)
class ConfigurationDialogs:
    """One screen class per question the tab asks; the panels call them as constructors."""

    edit_value: type[EditValueScreen]
    name: type[PromptScreen]  # a profile's, a vendor key's or a variable's name
    pick_profile: type[OpenFileScreen]
    profile_diff: type[ProfileDiffScreen]
    export: type[ExportScreen]
    network_profile: type[NetworkProfileScreen]
