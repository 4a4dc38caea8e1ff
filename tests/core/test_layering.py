"""The core never imports the UI: checked statically (import-linter) and at run time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
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
