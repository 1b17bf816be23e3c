"""Tesseract kept warm in the process: libtesseract through ctypes, the `tesseract` command (pytesseract) as the
fallback.

Loading the Spanish model costs about as much as recognising a receipt, so each process (the CLI, each
pool worker) creates one engine on first use and keeps it. Time limits: the warm engine gives Tesseract a
deadline (its ETEXT_DESC monitor, checked between words), so a slow recognition is cancelled in-process
and reported as a timeout; layout analysis before recognition is bounded by the pixel cap and the scaling
in `preprocess`, and the ReaderPool kills and replaces a worker that overruns its limit anyway. The
pytesseract engine's process is killed at its timeout by pytesseract.

PAYBOT_OCR_ENGINE (declared in `bot.config.Settings`) chooses: `library` (the default, warm) or `pytesseract`;
`library` falls back to `pytesseract` when libtesseract cannot be loaded.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PIL import Image

from bot.ocr.errors import UnreadableReceipt

LANGUAGE = "spa"
SECOND_LANGUAGE = "eng"
"""For re-reading a value where the Spanish model is known to fail (a `#`, a doubtful amount, two Spanish
readings that differ: `second_look`); a fresh process loads it only then."""
PAGE_SEGMENTATION = "4"
RESOLUTION = 300
LIBRARY_NAMES = ("libtesseract.so.5", "libtesseract.so", "libtesseract.5.dylib", "libtesseract.dylib")
LEPTONICA_NAMES = ("liblept.so.5", "libleptonica.so.6", "libleptonica.so", "liblept.so")
LEPTONICA_SILENT = 6
"""Leptonica's L_SEVERITY_NONE."""
LIBRARY_SHORT_NAME = "tesseract"
"""What the system is asked for (ldconfig) when none of LIBRARY_NAMES loads."""
ENGINE_ENV = "PAYBOT_OCR_ENGINE"
"""`library` (default) or `pytesseract` (`subprocess`, its former name, still means it)."""


@dataclass(frozen=True)
class Word:
    """A word Tesseract found: text, confidence 0..100 and its box."""

    text: str
    conf: float
    left: int
    top: int
    width: int
    height: int
    line_key: tuple[int, int, int]

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def bottom(self) -> int:
        return self.top + self.height


class Engine(Protocol):
    """Something that turns a grayscale image into Tesseract's TSV text."""

    name: str

    def tsv(self, image: Image.Image, *, timeout: float, psm: str) -> str: ...


class PytesseractEngine:
    """The `tesseract` command through pytesseract, one process per image: for machines without libtesseract,
    and for comparison (PAYBOT_OCR_ENGINE=pytesseract)."""

    name = "pytesseract"

    def __init__(self, language: str = LANGUAGE) -> None:
        os.environ["OMP_THREAD_LIMIT"] = "1"  # parallelism comes from the pool, not from each tesseract
        self.language = language

    def tsv(self, image: Image.Image, *, timeout: float, psm: str) -> str:
        import pytesseract

        try:
            return str(pytesseract.image_to_data(
                image, lang=self.language, config=f"--psm {psm} --dpi {RESOLUTION}", timeout=max(timeout, 0.01)
            ))
        except pytesseract.TesseractNotFoundError:
            raise RuntimeError("tesseract no está instalado o no está en el PATH") from None
        except pytesseract.TesseractError as error:
            raise UnreadableReceipt("corrupt", f"tesseract falló: {error.message or error.status}") from None
        except RuntimeError as error:
            if "timeout" not in str(error):
                raise
            raise UnreadableReceipt("timeout", f"tesseract tardó más de {timeout:g} s") from None


def _load_library() -> ctypes.CDLL:
    """libtesseract with one OpenMP thread (libgomp reads OMP_THREAD_LIMIT when it is loaded)."""
    os.environ["OMP_THREAD_LIMIT"] = "1"
    last: OSError | None = None
    for name in _names(LIBRARY_NAMES, LIBRARY_SHORT_NAME):
        try:
            library = ctypes.CDLL(name)
        except OSError as error:
            last = error
            continue
        _quiet_leptonica()
        return library
    raise OSError(f"libtesseract not found: {last}")


def _names(known: tuple[str, ...], short: str) -> Iterator[str]:
    """The usual file names first; asking the system (ldconfig, a subprocess) only when none loads."""
    yield from known
    import ctypes.util

    found = ctypes.util.find_library(short)
    if found:
        yield found


def _quiet_leptonica() -> None:
    """Leptonica (under Tesseract) prints every internal complaint to stderr; keep it for real errors only.

    A page of noise makes it print dozens of 'Error in boxClipToRectangle' lines, which would bury the
    one-line error `paybot ocr` promises. Only the process-wide message level changes.
    """
    for name in _names(LEPTONICA_NAMES, "lept"):
        try:
            ctypes.CDLL(name).setMsgSeverity(LEPTONICA_SILENT)
            return
        except (OSError, AttributeError):
            continue


def _declare(lib: ctypes.CDLL) -> None:
    p, i, c = ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p
    signatures: dict[str, tuple[list[type], type | None]] = {
        "TessBaseAPICreate": ([], p),
        "TessBaseAPIInit3": ([p, c, c], i),
        "TessBaseAPISetPageSegMode": ([p, i], None),
        "TessBaseAPISetVariable": ([p, c, c], i),
        "TessBaseAPISetImage": ([p, c, i, i, i, i], None),
        "TessBaseAPISetSourceResolution": ([p, i], None),
        "TessBaseAPIRecognize": ([p, p], i),
        "TessBaseAPIGetTsvText": ([p, i], p),
        "TessDeleteText": ([p], None),
        "TessBaseAPIClear": ([p], None),
        "TessBaseAPIEnd": ([p], None),
        "TessBaseAPIDelete": ([p], None),
        "TessMonitorCreate": ([], p),
        "TessMonitorDelete": ([p], None),
        "TessMonitorSetDeadlineMSecs": ([p, i], None),
    }
    for name, (args, result) in signatures.items():
        function = getattr(lib, name)
        function.argtypes = args
        function.restype = result


class LibraryEngine:
    """libtesseract's C API through ctypes: the model is loaded once and reused for every image."""

    name = "library"

    def __init__(self, language: str = LANGUAGE) -> None:
        self._lib = _load_library()
        _declare(self._lib)
        self._lock = threading.Lock()
        handle = self._lib.TessBaseAPICreate()
        if not handle:
            raise OSError("TessBaseAPICreate failed")
        if self._lib.TessBaseAPIInit3(handle, None, language.encode()) != 0:
            self._lib.TessBaseAPIDelete(handle)
            raise OSError(f"Tesseract cannot load the {language!r} model")
        self._lib.TessBaseAPISetVariable(handle, b"debug_file", b"/dev/null")
        self._handle: int | None = handle
        self._psm = ""
        atexit.register(self.close)

    def tsv(self, image: Image.Image, *, timeout: float, psm: str) -> str:
        gray = image if image.mode == "L" else image.convert("L")
        pixels = gray.tobytes()
        lib = self._lib
        with self._lock:
            handle = self._handle
            if handle is None:
                raise RuntimeError("the Tesseract engine was closed")
            if psm != self._psm:
                lib.TessBaseAPISetPageSegMode(handle, int(psm))
                self._psm = psm
            lib.TessBaseAPISetImage(handle, pixels, gray.width, gray.height, 1, gray.width)
            lib.TessBaseAPISetSourceResolution(handle, RESOLUTION)
            monitor = lib.TessMonitorCreate()
            try:
                lib.TessMonitorSetDeadlineMSecs(monitor, max(1, int(timeout * 1000)))
                started = time.monotonic()
                failed = lib.TessBaseAPIRecognize(handle, monitor) != 0
                if failed and time.monotonic() - started < timeout * 0.9:
                    raise UnreadableReceipt("corrupt", "tesseract no pudo reconocer esta imagen")
                if failed:
                    raise UnreadableReceipt("timeout", f"tesseract tardó más de {timeout:g} s")
                text = lib.TessBaseAPIGetTsvText(handle, 0)
                try:
                    return ctypes.string_at(text).decode("utf-8", "replace") if text else ""
                finally:
                    if text:
                        lib.TessDeleteText(text)
            finally:
                lib.TessMonitorDelete(monitor)
                lib.TessBaseAPIClear(handle)

    def close(self) -> None:
        """Free the model (the process exiting does the same)."""
        with self._lock:
            if self._handle:
                self._lib.TessBaseAPIEnd(self._handle)
                self._lib.TessBaseAPIDelete(self._handle)
                self._handle = None


_engines: dict[str, Engine] = {}
_engine_pid = 0
_engine_lock = threading.Lock()
_loading_locks: dict[str, threading.Lock] = {}
_queued: dict[str, int] = {}
"""Languages a warm-up thread will load after the one it is loading, with that process's id."""


def get_engine(language: str = LANGUAGE) -> Engine:
    """This process's engine for `language`, created on first use: warm libtesseract, else the command.

    Each language loads under its own lock, so a model loading on a `warm_up` thread never delays
    the other language, and a caller asking for a model still loading waits for it instead of loading
    a second copy.
    """
    global _engine_pid
    with _engine_lock:
        if _engine_pid != os.getpid():
            _engines.clear()
            _loading_locks.clear()
            _engine_pid = os.getpid()
        engine = _engines.get(language)
        if engine is not None:
            return engine
        loading = _loading_locks.setdefault(language, threading.Lock())
    with loading:
        engine = _engines.get(language)
        if engine is None:
            engine = _create_engine(language)
            with _engine_lock:
                _engines[language] = engine
        return engine


def _create_engine(language: str) -> Engine:
    if os.environ.get(ENGINE_ENV, "library") in ("pytesseract", "subprocess"):
        return PytesseractEngine(language)
    try:
        return LibraryEngine(language)
    except (OSError, AttributeError):
        return PytesseractEngine(language)


def warm_up(*languages: str, in_turn: bool = False) -> list[threading.Thread]:
    """Start loading each model on a background thread and return at once.

    Tesseract loads a model in native code with the GIL released (ctypes), so a process that is
    about to decode and prepare an image can have the model ready by the time it needs it. A model
    already loaded, loading or queued starts no thread. `in_turn` loads the models one after the other
    on one thread, so the first (the one the page pass waits for) does not share a core with the next.
    """
    pid = os.getpid()
    with _engine_lock:
        wanted = [
            language
            for language in languages
            if _engine_pid != pid
            or (language not in _engines and not (language in _loading_locks and _loading_locks[language].locked())
                and _queued.get(language) != pid)
        ]
        if in_turn:
            _queued.update(dict.fromkeys(wanted, pid))
    if in_turn and wanted:
        threads = [threading.Thread(target=_load_in_turn, args=(wanted,), name="tesseract-" + "-".join(wanted),
                                    daemon=True)]
    else:
        threads = [
            threading.Thread(target=get_engine, args=(language,), name=f"tesseract-{language}", daemon=True)
            for language in wanted
        ]
    for thread in threads:
        thread.start()
    return threads


def _load_in_turn(languages: list[str]) -> None:
    for language in languages:
        try:
            get_engine(language)
        finally:
            with _engine_lock:
                _queued.pop(language, None)


def run_tesseract(
    image: Image.Image, *, timeout: float, psm: str = PAGE_SEGMENTATION, language: str = LANGUAGE
) -> list[Word]:
    """Words with boxes and confidences (`image_to_data`'s TSV) from one pass over a prepared image."""
    return parse_tsv(get_engine(language).tsv(image, timeout=timeout, psm=psm))


def parse_tsv(tsv: str) -> list[Word]:
    """Words (level 5 rows with text) out of Tesseract's TSV output (with or without the header row)."""
    words: list[Word] = []
    for row in tsv.splitlines():
        parts = row.split("\t")
        if len(parts) < 12 or parts[0] != "5" or not parts[11].strip():
            continue
        words.append(
            Word(
                text=parts[11].strip(),
                conf=max(0.0, float(parts[10])),
                left=int(parts[6]),
                top=int(parts[7]),
                width=int(parts[8]),
                height=int(parts[9]),
                line_key=(int(parts[2]), int(parts[3]), int(parts[4])),
            )
        )
    return words
