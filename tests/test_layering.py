"""The layers hold: the core never imports the UI (import-linter and at run time), the layers
contract, and no widget imports a screen."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE_MODULES = [
    "ocpptui.protocol.frames",
    "ocpptui.protocol.catalog",
    "ocpptui.protocol.validation",
    "ocpptui.transports.websocket",
    "ocpptui.core.hub",
    "ocpptui.core.server",
    "ocpptui.services.network",
    "ocpptui.services.site_actions",
    "ocpptui.services.site_report",
    "ocpptui.sim",
    "ocpptui.headless",
    "ocpptui.cli",
    "ocpptui.cli.serve",
    "ocpptui.cli.run",
    "ocpptui.settings.reader",
    "ocpptui.settings.writer",
    "ocpptui.paths",
]


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_does_not_load_textual(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "", f"{module} pulled in {result.stdout.strip()}"


def test_import_linter_contract_holds() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "kept" in result.stdout


def _ui_modules() -> dict[str, tuple[bool, bool]]:
    """Every module of ocpptui.ui -> (defines a screen, defines a widget that is no screen)."""
    from textual.screen import Screen
    from textual.widget import Widget

    import ocpptui.ui

    found = {}
    for info in pkgutil.walk_packages(ocpptui.ui.__path__, "ocpptui.ui."):
        module = importlib.import_module(info.name)
        classes = [
            value
            for value in vars(module).values()
            if inspect.isclass(value) and value.__module__ == info.name
        ]
        screen = any(issubclass(cls, Screen) for cls in classes)
        widget = any(issubclass(cls, Widget) and not issubclass(cls, Screen) for cls in classes)
        found[info.name] = (screen, widget)
    return found


def test_no_widget_imports_a_screen() -> None:
    """Screens compose widgets, never the other way round (a widget that opens a dialog is
    handed the dialog's class by its screen)."""
    modules = _ui_modules()
    screens = {name for name, (screen, _) in modules.items() if screen}
    widgets = {name for name, (screen, widget) in modules.items() if widget and not screen}
    assert len(screens) > 20 and len(widgets) > 20
    graph = grimp.build_graph("ocpptui", exclude_type_checking_imports=True)
    wrong = {
        widget: sorted(graph.find_modules_directly_imported_by(widget) & screens)
        for widget in sorted(widgets)
    }
    assert {widget: found for widget, found in wrong.items() if found} == {}
