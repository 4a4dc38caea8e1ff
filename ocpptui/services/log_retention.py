"""`[logs] keep_days`: delete session folders nobody has written to for that many days.

Only folders named like a session (`<UTC time>_<identity>_<random>`, as the hub makes them)
are candidates, so nothing else a technician keeps under the sessions folder is touched. A
folder's age is that of its newest file, so a session still being written (this run's, or
another ocpp-tui's on the same laptop) is never old.
"""

from __future__ import annotations

import logging
import re
import shutil
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

SESSION_FOLDER = re.compile(r"^\d{8}-\d{6}_.+_[0-9a-f]{6}$")
DAY_SECONDS = 86_400


@dataclass(slots=True)
class PruneResult:
    deleted: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)


def newest_write(folder: Path) -> float:
    """The newest modification time of `folder` and everything under it."""
    newest = folder.stat().st_mtime
    for path in folder.rglob("*"):
        try:
            newest = max(newest, path.stat().st_mtime)
        except OSError:
            continue
    return newest


def prune_sessions(
    sessions_dir: Path,
    keep_days: int,
    *,
    now: float | None = None,
    keep: Collection[str] = (),
) -> PruneResult:
    """Delete the session folders under `sessions_dir` untouched for more than `keep_days`.

    `keep_days` 0 keeps everything; folder names in `keep` are never deleted. Failures (a file
    in use on Windows, no permission) are reported in the result, never raised.
    """
    result = PruneResult()
    if keep_days <= 0 or not sessions_dir.is_dir():
        return result
    cutoff = (time.time() if now is None else now) - keep_days * DAY_SECONDS
    try:
        folders = sorted(sessions_dir.iterdir())
    except OSError as exc:
        result.failed.append((sessions_dir, exc.strerror or str(exc)))
        return result
    for folder in folders:
        if folder.name in keep or not SESSION_FOLDER.match(folder.name):
            continue
        try:
            if not folder.is_dir() or folder.is_symlink() or newest_write(folder) >= cutoff:
                continue
            shutil.rmtree(folder)
        except OSError as exc:
            result.failed.append((folder, exc.strerror or str(exc)))
            continue
        result.deleted.append(folder)
    if result.deleted:
        log.info("deleted %d session folder(s) older than %d days", len(result.deleted), keep_days)
    for folder, reason in result.failed:
        log.warning("could not delete old session folder %s: %s", folder, reason)
    return result
