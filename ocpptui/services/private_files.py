"""Files only the technician's account may read: private keys, in folders only it may enter.

A key written with `write_bytes` and then `chmod 0600` is readable by every local user
for the moment in between (the umask usually gives 0644); a shared laptop or a build
server is enough to lose the CA key that way. Here the file is created 0600 by `os.open`
(O_CREAT | O_EXCL, under a temporary name, then renamed over the old one), and its folder
is 0700.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PRIVATE_FOLDER_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_folder(folder: Path) -> Path:
    """Create `folder` (with its parents) for the owner only; an existing one is tightened
    to 0700 (it holds keys). Returns `folder`."""
    folder.mkdir(mode=PRIVATE_FOLDER_MODE, parents=True, exist_ok=True)
    if os.name == "posix":
        os.chmod(folder, PRIVATE_FOLDER_MODE)  # mkdir's mode is cut by the umask
    return folder


def write_private_file(path: Path, data: bytes) -> None:
    """Write `data` to `path`, readable by the owner only from its first byte.

    The file is made 0600 under a temporary name in the same (private) folder and renamed
    over `path`, so a renewed key replaces the old one at once and a crash leaves either.
    """
    private_folder(path.parent)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    descriptor = os.open(temporary, flags, PRIVATE_FILE_MODE)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
