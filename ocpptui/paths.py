"""Where ocpp-tui keeps its files (platformdirs), with one override for tests and portable use."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "ocpp-tui"
#: Put every folder under this one directory instead of the platform's user folders.
HOME_ENV = "OCPP_TUI_HOME"


@dataclass(frozen=True, slots=True)
class Paths:
    config_dir: Path
    data_dir: Path
    log_dir: Path

    @classmethod
    def default(cls) -> Paths:
        home = os.environ.get(HOME_ENV)
        if home:
            root = Path(home).expanduser()
            return cls(root / "config", root / "data", root / "log")
        import platformdirs

        return cls(
            platformdirs.user_config_path(APP_NAME, appauthor=False),
            platformdirs.user_data_path(APP_NAME, appauthor=False),
            platformdirs.user_log_path(APP_NAME, appauthor=False),
        )

    @classmethod
    def under(cls, root: Path) -> Paths:
        return cls(root / "config", root / "data", root / "log")

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.toml"

    @property
    def profiles_dir(self) -> Path:
        return self.config_dir / "profiles"

    @property
    def sessions_dir(self) -> Path:
        """One folder per charger session: its frame log and what it uploaded."""
        return self.data_dir / "sessions"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    @property
    def app_log_file(self) -> Path:
        """ocpp-tui's own diagnostic log (not the OCPP frames)."""
        return self.log_dir / "ocpp-tui.log"

    def describe(self) -> list[tuple[str, Path]]:
        return [
            ("settings", self.settings_file),
            ("config", self.config_dir),
            ("profiles", self.profiles_dir),
            ("data", self.data_dir),
            ("sessions", self.sessions_dir),
            ("reports", self.reports_dir),
            ("log", self.log_dir),
        ]
