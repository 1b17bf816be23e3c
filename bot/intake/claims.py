"""Who holds a row: `host:pid` names, and telling whether a holder on this host has died."""

from __future__ import annotations

import os
import socket


def worker_name() -> str:
    """`host:pid`, so claims can be traced to a process and released when it is gone."""
    return f"{socket.gethostname()}:{os.getpid()}"


def holder_is_gone(claimed_by: str | None) -> bool:
    """True when `claimed_by` names a process of this host that no longer runs (crash, SIGKILL)."""
    if not claimed_by:
        return False
    host, _, pid_text = claimed_by.rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
