"""Compiled regular expressions kept between `paybot ocr` runs, as Python keeps compiled bytecode between runs.

Python compiles every pattern afresh in each process, in pure Python (`re._parser`, `re._compiler`): the reader's
130-odd patterns cost a fresh `paybot ocr` about 20 ms of CPU, as much as decoding the image. `install()` makes
`re` take a pattern's compiled program from the file an earlier run wrote, and `save()` adds the ones compiled
afresh. The file is keyed by the Python build and its regular-expression engine's version, and `re` compiles as
usual whenever anything is unexpected: another Python whose `re` internals differ, a damaged or foreign file, a
debug flag, a folder nobody may write to.
"""

from __future__ import annotations

import marshal
import os
import re
import sys
import threading
from pathlib import Path
from typing import Any

MAX_PATTERNS = 2000
"""The most patterns the file keeps: the reader's own are fewer; a pattern built from input text (none today)
must never grow it without bound."""
FOLDER = Path(__file__).resolve().parent.parent / "__pycache__"
"""Beside Python's own bytecode cache of the `bot` package."""

_programs: dict[tuple[bool, str | bytes, int], tuple[Any, ...]] = {}
_fresh = 0
_lock = threading.Lock()
_original: Any = None


def _engine() -> tuple[Any, Any, Any] | None:
    """`re`'s parser, compiler and C engine when they are the ones this module was written against (CPython 3.11
    to 3.13), else None."""
    try:
        import _sre
        from re import _compiler, _parser  # type: ignore[attr-defined]
    except ImportError:
        return None
    if sys.implementation.name != "cpython" or not (3, 11) <= sys.version_info[:2] <= (3, 13):
        return None
    if not all(hasattr(_compiler, name) for name in ("compile", "_code")) or not hasattr(_parser, "parse"):
        return None
    return _parser, _compiler, _sre


def cache_file() -> Path:
    """The file for this Python build and engine version."""
    import _sre

    tag = f"{sys.implementation.cache_tag}-{_sre.MAGIC}-{_sre.CODESIZE}-{sys.maxunicode}"
    return FOLDER / f"regex.{tag}.marshal"


def install() -> bool:
    """Make `re` compile through the cache from now on in this process; False when it cannot (nothing changes)."""
    global _original
    engine = _engine()
    if engine is None:
        return False
    parser, compiler, sre = engine
    if _original is not None:
        return True
    try:
        loaded = marshal.loads(cache_file().read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        loaded = {}
    if isinstance(loaded, dict) and len(loaded) <= MAX_PATTERNS:
        _programs.update(loaded)
    original = compiler.compile

    def compile_cached(pattern: Any, flags: int = 0) -> Any:
        global _fresh
        if not isinstance(pattern, (str, bytes)) or flags & re.DEBUG:
            return original(pattern, flags)
        key = (isinstance(pattern, bytes), pattern, int(flags))
        program = _programs.get(key)
        if program is not None:
            try:
                return sre.compile(*program)
            except (TypeError, ValueError, RuntimeError):
                _programs.pop(key, None)
        parsed = parser.parse(pattern, flags)
        code = compiler._code(parsed, flags)
        groupindex = dict(parsed.state.groupdict)
        indexgroup: list[str | None] = [None] * parsed.state.groups
        for name, number in groupindex.items():
            indexgroup[number] = name
        program = (pattern, int(flags | parsed.state.flags), [int(op) for op in code], parsed.state.groups - 1,
                   groupindex, tuple(indexgroup))
        compiled = sre.compile(*program)
        with _lock:
            if len(_programs) < MAX_PATTERNS:
                _programs[key] = program
                _fresh += 1
        return compiled

    _original = original
    compiler.compile = compile_cached
    return True


def save() -> None:
    """Write the patterns compiled afresh in this process to the file (atomically; silently not at all when the
    folder is read-only)."""
    global _fresh
    with _lock:
        if not _fresh or _original is None:
            return
        try:
            data = marshal.dumps(dict(_programs))
        except ValueError:
            return
        _fresh = 0
    target = cache_file()
    import tempfile

    try:
        target.parent.mkdir(exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".regex-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        return


def uninstall() -> None:
    """Give `re` back its own compiler (tests)."""
    global _original
    engine = _engine()
    if engine is not None and _original is not None:
        engine[1].compile = _original
        _original = None
