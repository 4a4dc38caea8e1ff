"""The README gets a new user from nothing to `ocpp-tui demo` (issue 17)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def test_the_first_lines_are_the_two_set_up_commands() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert lines[2] == "    pipx install . && ocpp-tui demo"
    assert lines[3] == (
        "    python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]'"
        " && .venv/bin/pytest -n auto"
    )


def test_ci_runs_the_readme_test_command() -> None:
    """The README says its second line is what CI runs: `.ci/run` ends with that very line."""
    command = README.read_text(encoding="utf-8").splitlines()[3].strip()
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci_lines[-1] == command


def test_it_says_how_to_get_pipx_and_what_to_do_when_the_command_is_not_found() -> None:
    text = README.read_text(encoding="utf-8")
    installing = text[text.index("## Installing") : text.index("## Quick start")]
    for needed in (
        "python3 -m pip install --user pipx",
        "pipx ensurepath",
        "brew install pipx",  # macOS
        "py -m pip install --user pipx",  # Windows
        "py -m pipx ensurepath",
        "`ocpp-tui: command not found` after `pipx install`",
        "open a\nnew terminal",
    ):
        assert needed in installing, needed
