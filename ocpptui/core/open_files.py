"""How many files and sockets the process may hold open, and the shares of it.

Every charger connection is a socket and every session has a frame log file; past the
operating system's limit (RLIMIT_NOFILE, often 1024 on Linux, 256 on macOS) nothing new can
be opened at all: not a connection, not a log, not a firmware image. The budgets below keep
the connections and the open logs inside that limit, with room left for the rest.
"""

from __future__ import annotations

import sys

#: Kept free for everything else: listening sockets, the file server's connections and
#: files, settings, reports, the terminal, Python's own modules.
RESERVED = 128
#: Frame log files held open at most when the limit is not known or is very high.
MAX_OPEN_LOGS = 4096


def open_file_limit() -> int | None:
    """The process's soft limit on open files; None when there is none to read (Windows)."""
    if sys.platform == "win32":
        return None
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return None if soft == resource.RLIM_INFINITY else soft


def open_logs_budget(limit: int | None = None) -> int:
    """Frame log files held open together (the least recently written are closed first):
    a quarter of the open-file limit, between 4 and MAX_OPEN_LOGS."""
    limit = open_file_limit() if limit is None else limit
    if limit is None:
        return MAX_OPEN_LOGS
    return max(4, min(MAX_OPEN_LOGS, limit // 4))


def connections_budget(limit: int | None = None) -> int:
    """WebSocket connections accepted together when `[server] max_connections` is 0: what the
    open-file limit leaves after the open logs and RESERVED (at least 8)."""
    limit = open_file_limit() if limit is None else limit
    if limit is None:
        return 10_000
    return max(8, limit - open_logs_budget(limit) - RESERVED)
