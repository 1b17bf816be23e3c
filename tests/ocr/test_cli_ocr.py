"""`paybot ocr` as the command-line contract says: one JSON line per input in order, or one error line and
non-zero; an overall time limit per input; a fresh process that never builds the whole configuration, nor
imports numpy for a screenshot, nor loads a model for pasted text."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from bot.cli import main
from bot.cli.commands_ocr import add_arguments, plain_arguments
from bot.cli.parser import Parser
from bot.ocr import engine
from bot.ocr.fields import JSON_KEYS
from tests.ocr.hostile import dense_text, hostile
from tests.ocr.receipts import Receipt

CONTRACT_KEYS = [*JSON_KEYS, "confidence"]


def _paybot(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})}, check=False)


def test_json_output_has_the_contract_keys(
    clean_receipt: Receipt, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = tmp_path / "receipt.png"
    image.write_bytes(clean_receipt.data)
    assert main(["ocr", str(image), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out) == CONTRACT_KEYS
    assert out["amount"] == f"{clean_receipt.truth.amount:.2f}"
    assert all(0 <= v <= 1 for v in out["confidence"].values())


def test_unusable_file_is_one_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bogus = tmp_path / "receipt.jpg"
    bogus.write_bytes(b"definitely not a jpeg")
    assert main(["ocr", str(bogus)]) != 0
    err = capsys.readouterr().err
    assert err.startswith("paybot: error: ") and err.count("\n") == 1


def test_a_folder_or_a_missing_file_is_named_in_spanish(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ocr", str(tmp_path), str(tmp_path / "falta.png"), "--json"]) != 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["error"].rsplit(": ", 1)[1] for line in lines] == ["es una carpeta, no un archivo", "no existe"]


def test_a_batch_of_hostile_files_answers_one_line_per_input_in_order(
    clean_receipt: Receipt, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = ["1x100000 png", "tall 4x9999999 png", "pdf page 3x10000000 pt", "png bomb 20000x20000",
             "truncated png receipt", "zip disguised as receipt"]
    paths = []
    for number, name in enumerate(names):
        path = tmp_path / f"{number}.png"
        path.write_bytes(hostile(name).data)
        paths.append(str(path))
    receipt = tmp_path / "receipt.png"
    receipt.write_bytes(clean_receipt.data)
    start = time.perf_counter()
    assert main(["ocr", paths[0], str(receipt), *paths[1:], "--json"]) == 1
    assert time.perf_counter() - start < 10
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == len(names) + 1
    assert lines[1]["amount"] == f"{clean_receipt.truth.amount:.2f}" and "error" not in lines[1]
    failed = [lines[0], *lines[2:]]
    assert [line["error_kind"] for line in failed] == [hostile(name).kind for name in names]
    for line, path in zip(failed, [paths[0], *paths[1:]], strict=True):
        assert list(line)[: len(CONTRACT_KEYS)] == CONTRACT_KEYS
        assert all(line[key] is None for key in JSON_KEYS)
        assert path in line["error"] and "\n" not in line["error"]


def test_a_pasted_notification_in_a_text_file_reads_with_the_same_keys_and_loads_no_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("_engines", "_loading_locks", "_queued"):
        monkeypatch.setattr(engine, name, {})
    note = tmp_path / "sms.txt"
    note.write_text("BAC Credomatic: Transferencia SINPE Movil por ₡ 25.000,00 a Wolk Software. "
                    "Referencia 2026112715183010967758882. Detalle: pago ID 4521", encoding="utf-8")
    flood = tmp_path / "flood.txt"
    flood.write_text("1" * 200_000)
    assert main(["ocr", str(note), str(flood), "--json"]) == 0
    read, nothing = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert list(read) == CONTRACT_KEYS and list(nothing) == CONTRACT_KEYS
    assert (read["amount"], read["currency"], read["client_id"]) == ("25000.00", "CRC", "4521")
    assert read["reference"] == "2026112715183010967758882"
    assert nothing["amount"] is None
    assert engine._engines == {} and engine._queued == {}
    assert not [thread for thread in threading.enumerate() if thread.name.startswith("tesseract")]


def test_a_notification_saved_by_notepad_or_windows_reads_and_a_binary_named_txt_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sentence = "Transferencia SINPE Móvil por ₡ 25.000,00 a Wolk Software. Detalle: pago ID 4521"
    unicode_notepad = tmp_path / "unicode.txt"
    unicode_notepad.write_bytes(sentence.encode("utf-16"))
    windows = tmp_path / "ansi.txt"
    windows.write_bytes(sentence.replace("₡ ", "CRC ").encode("cp1252"))
    binary = tmp_path / "photo.txt"
    binary.write_bytes(bytes(range(256)) * 4 + b" $6 " + bytes(range(256)) * 4)

    assert main(["ocr", str(unicode_notepad), str(windows), str(binary), "--json"]) == 1
    first, second, refused = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert (first["amount"], first["client_id"]) == ("25000.00", "4521")
    assert (second["amount"], second["client_id"]) == ("25000.00", "4521")
    assert refused["amount"] is None and "no es un texto" in refused["error"]


@pytest.mark.slow
def test_each_input_has_an_overall_time_limit(clean_receipt: Receipt, tmp_path: Path) -> None:
    slow, stuck, receipt = tmp_path / "slow.png", tmp_path / "stuck.png", tmp_path / "receipt.png"
    slow.write_bytes(dense_text(3000))
    os.mkfifo(stuck)  # opening it blocks forever: a read stuck outside Tesseract
    receipt.write_bytes(clean_receipt.data)
    start = time.perf_counter()
    done = _paybot("ocr", str(slow), str(stuck), str(receipt), "--json", env={"PAYBOT_OCR_TIMEOUT_SECONDS": "2"})
    elapsed = time.perf_counter() - start
    assert done.returncode == 1
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line.get("error_kind") for line in lines] == ["timeout", "timeout", None]
    assert lines[2]["amount"] == f"{clean_receipt.truth.amount:.2f}"
    assert elapsed < 2 * 2 + 5  # two limits, with room for start-up and the clean receipt
    assert len(done.stderr.strip().splitlines()) == 2


def test_a_fresh_paybot_ocr_of_a_screenshot_builds_no_configuration_and_imports_no_numpy(
    clean_receipt: Receipt, tmp_path: Path
) -> None:
    image = tmp_path / "receipt.png"
    image.write_bytes(clean_receipt.data)
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "bot", "ocr", str(image), "--json"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0
    assert json.loads(done.stdout)["amount"] == f"{clean_receipt.truth.amount:.2f}"
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "bot.ocr.reader" in imported
    assert not {"pydantic", "pydantic_settings", "bot.config", "sqlalchemy", "numpy"} & imported


@pytest.mark.parametrize("argv", [["a.png"], ["a.png", "b.txt", "--json"], ["--json", "a.png", "b.webp"],
                                  ["a.png", "--json", "--after-failure"], ["--json", "a.png", "--json"]])
def test_the_usual_command_line_is_read_without_the_parser_as_the_parser_reads_it(argv: list[str]) -> None:
    parser = Parser(prog="paybot ocr")
    add_arguments(parser)
    read = plain_arguments(argv)
    assert read is not None and vars(read) == vars(parser.parse_args(argv))


@pytest.mark.parametrize("argv", [[], ["-h"], ["--json"], ["a.png", "--json", "b.png"], ["--", "-raro.png"],
                                  ["a.png", "--jsonl"], ["--help", "a.png"]])
def test_anything_unusual_on_the_command_line_is_left_to_the_parser(argv: list[str]) -> None:
    assert plain_arguments(argv) is None


def test_reader_settings_come_from_the_same_variables_as_the_service(tmp_path: Path) -> None:
    from bot.config import load_settings
    from bot.ocr.defaults import reader_settings

    environ = {"PAYBOT_OCR_TIMEOUT_SECONDS": "2.5", "PAYBOT_MAX_UPLOAD_BYTES": "1000",
               "PAYBOT_CLIENT_ID_PATTERN": r"CLI-(\d+)"}
    for env in ({}, environ):
        service, reader = load_settings(env), reader_settings(env, env_file=None)
        assert (service.client_id_pattern, service.ocr_timeout_seconds, service.max_upload_bytes) == (
            reader.client_id_pattern, reader.ocr_timeout_seconds, reader.max_upload_bytes)
    env_file = tmp_path / ".env"
    env_file.write_text("PAYBOT_OCR_TIMEOUT_SECONDS=7\n", encoding="utf-8")
    assert reader_settings({}, env_file=env_file).ocr_timeout_seconds == load_settings({}, env_file).ocr_timeout_seconds
    with pytest.raises(ValueError, match="PAYBOT_OCR_TIMEOUT_SECONDS"):
        reader_settings({"PAYBOT_OCR_TIMEOUT_SECONDS": "soon"}, env_file=None)


@pytest.fixture
def pattern_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The regex cache writing to a folder of the test's own, given back to `re` afterwards."""
    from bot.cli import regex_cache

    monkeypatch.setattr(regex_cache, "FOLDER", tmp_path)
    monkeypatch.setattr(regex_cache, "_programs", {})
    yield tmp_path
    regex_cache.uninstall()


READER_PATTERNS = [(r"(?P<whole>\d{1,3}(?:[.,]\d{3})*)(?:[.,](?P<cents>\d{2}))?\s*(?:colones|CRC)", re.IGNORECASE),
                   (r"\bID\s{0,3}[:#-]?\s{0,3}(?:WOLK\s{0,3}[:#-]?\s{0,3})?#?\s{0,3}(\d{1,10})\b", re.IGNORECASE),
                   (r"(?<!\d)(\d{1,2})\s?[/.-]\s?(\d{1,2})\s?[/.-]\s?(\d{4}|\d{2})(?!\d)", 0),
                   (r"[a-záéíóúñ]{2}\.\s+[A-ZÁÉÍÓÚÑ]", 0), (rb"^\xff\xd8", 0), (r"(a)|b(?(1)c|d)", re.VERBOSE)]


def test_a_second_run_takes_its_patterns_compiled_from_the_cache_and_they_match_as_compiled_afresh(
    pattern_cache: Path,
) -> None:
    from re import _compiler  # type: ignore[attr-defined]

    from bot.cli import regex_cache

    expected = [_compiler.compile(pattern, int(flags)) for pattern, flags in READER_PATTERNS]
    assert regex_cache.install()
    fresh = regex_cache._fresh
    first = [_compiler.compile(pattern, int(flags)) for pattern, flags in READER_PATTERNS]
    assert regex_cache._fresh == fresh + len(READER_PATTERNS)
    regex_cache.save()
    assert list(pattern_cache.glob("regex.*.marshal"))
    regex_cache.uninstall()
    regex_cache._programs.clear()
    assert regex_cache.install()
    fresh = regex_cache._fresh
    again = [_compiler.compile(pattern, int(flags)) for pattern, flags in READER_PATTERNS]
    assert regex_cache._fresh == fresh  # every one came from the file
    assert first == expected and again == expected  # same program, flags and groups as `re` compiles
    assert again[0].match("1.234,50 colones").group("cents") == "50"  # type: ignore[union-attr]
    assert again[1].search("pago id wolk #3159").group(1) == "3159"  # type: ignore[union-attr]


def test_a_damaged_pattern_cache_leaves_re_compiling_as_usual(pattern_cache: Path) -> None:
    from re import _compiler  # type: ignore[attr-defined]

    from bot.cli import regex_cache

    regex_cache.cache_file().parent.mkdir(exist_ok=True)
    regex_cache.cache_file().write_bytes(b"\x00not marshal")
    assert regex_cache.install()
    pattern, flags = READER_PATTERNS[1]
    assert _compiler.compile(pattern, int(flags)).search("ID 4412").group(1) == "4412"  # type: ignore[union-attr]
    regex_cache.save()
    assert regex_cache.cache_file().read_bytes() != b"\x00not marshal"  # replaced by a sound one


def test_paybot_ocr_in_a_fresh_process_reads_the_same_with_the_pattern_cache(
    clean_receipt: Receipt, tmp_path: Path
) -> None:
    from bot.cli import regex_cache

    image = tmp_path / "receipt.png"
    image.write_bytes(clean_receipt.data)
    first = _paybot("ocr", str(image), "--json")
    assert regex_cache.cache_file().is_file()
    second = _paybot("ocr", str(image), "--json")
    assert first.returncode == second.returncode == 0
    assert json.loads(second.stdout) == json.loads(first.stdout)
    assert json.loads(second.stdout)["amount"] == f"{clean_receipt.truth.amount:.2f}"


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "WEBP"])
def test_a_screenshot_is_decoded_by_its_own_format_alone_without_pillows_other_plugins_or_fonts(
    clean_receipt: Receipt, tmp_path: Path, kind: str
) -> None:
    image = tmp_path / "receipt"
    with Image.open(io.BytesIO(clean_receipt.data)) as opened:
        opened.convert("RGB").save(image, kind)
    program = ("import json, sys; from bot.cli.main import main; status = main(['ocr', sys.argv[1], '--json']); "
               "print(json.dumps(sorted(m for m in sys.modules if m.startswith('PIL.'))), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", program, str(image)], capture_output=True, text=True, timeout=60,
                          check=True)
    assert json.loads(done.stdout)["amount"] == f"{clean_receipt.truth.amount:.2f}"
    plugins = {name for name in json.loads(done.stderr.splitlines()[-1]) if name.endswith("ImagePlugin")}
    assert plugins == {f"PIL.{kind.capitalize() if kind != 'WEBP' else 'WebP'}ImagePlugin"}
    assert "PIL.ImageDraw" not in json.loads(done.stderr.splitlines()[-1])
