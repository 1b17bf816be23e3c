"""A reader worker process: `python -m bot.ocr.worker FD PARENT_PID MEMORY_BYTES [NICENESS]`, started by ReaderPool.

It dies with its parent (PR_SET_PDEATHSIG), holds at most MEMORY_BYTES of address space (RLIMIT_AS), runs
NICENESS steps below its parent's CPU priority (so the web process answers while reading is saturated),
loads the Tesseract models once, then runs the calls it receives on the inherited socket until the
socket closes. Started as a plain subprocess rather than by multiprocessing, so no resource-tracker
process exists to be orphaned.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import signal
import sys
from multiprocessing.connection import Connection
from typing import Any

PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Have the kernel kill this process when its parent dies (Linux); exit now if it already has."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(0)


def limit_memory(limit: int) -> None:
    """Cap the address space, so a file that slips past the bounds fails with MemoryError, not the machine."""
    if limit > 0:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard if hard != resource.RLIM_INFINITY and hard < limit
                                                 else limit))


def lower_priority(niceness: int) -> None:
    """Yield the CPU to the service's own process: reading can wait a moment, an acknowledgement should not."""
    if niceness > 0:
        with contextlib.suppress(OSError):
            os.nice(niceness)


def warm() -> None:
    """The reader's modules, layouts and both Tesseract models loaded before the first receipt arrives."""
    import bot.ocr.reader  # noqa: F401
    from bot.ocr.engine import SECOND_LANGUAGE, get_engine
    from bot.ocr.layouts import load_layouts

    load_layouts()
    get_engine()
    get_engine(SECOND_LANGUAGE)


def serve(connection: Connection) -> None:
    """Answer ("ok", result) or ("error", exception) to each (function, args) until the parent hangs up."""
    from bot.ocr.errors import UnreadableReceipt

    while True:
        try:
            function, args = connection.recv()
        except (EOFError, OSError):
            return
        answer: tuple[str, Any]
        try:
            answer = ("ok", function(*args))
        except MemoryError:
            answer = ("error", UnreadableReceipt("out_of_memory", "leerlo no cabe en la memoria de un lector"))
        except Exception as error:  # every failure goes back to the caller, the worker stays
            answer = ("error", error)
        try:
            connection.send(answer)
        except (EOFError, OSError):
            return
        except Exception as error:  # an unpicklable result or exception
            connection.send(("error", RuntimeError(f"{type(error).__name__}: {error}")))


def main(argv: list[str]) -> int:
    fd, parent, memory = (int(value) for value in argv[1:4])
    die_with_parent(parent)
    lower_priority(int(argv[4]) if len(argv) > 4 else 0)
    os.environ["OMP_THREAD_LIMIT"] = "1"
    limit_memory(memory)
    warm()
    connection = Connection(fd)
    try:
        connection.send(("ready", os.getpid()))
    except OSError:  # the pool closed while the models loaded
        return 0
    serve(connection)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
