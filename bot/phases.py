"""Where one request's time goes: the phases it passed, marked by whichever code did the work (the web layer
sends them back as `Server-Timing`), without that code knowing about the web."""

from __future__ import annotations

from contextvars import ContextVar
from time import perf_counter

Marks = list[tuple[str, float]]
"""(phase, perf_counter when it ended), in any order."""
_marks: ContextVar[Marks | None] = ContextVar("request_phase_marks", default=None)


def request_marks() -> Marks | None:
    """The phase marks of the request being answered (None outside a request): work done for it in a thread
    appends its own (phase, time) to this list."""
    return _marks.get()


def mark(phase: str) -> None:
    """The current request's `phase` ended now."""
    marks = _marks.get()
    if marks is not None:
        marks.append((phase, perf_counter()))


def start_marks() -> tuple[Marks, object]:
    """A fresh list of marks for the request starting in this context, and the token that ends it."""
    marks: Marks = []
    return marks, _marks.set(marks)


def end_marks(token: object) -> None:
    _marks.reset(token)  # type: ignore[arg-type]
