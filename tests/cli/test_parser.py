"""The `paybot` parser: every option explained in Spanish, mistakes told in one Spanish line, a version, no cycles."""

from __future__ import annotations

import argparse
import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli.main import build_parser, main
from bot.cli.parser import spanish
from tests.conftest import REPO


def parsers(parser: argparse.ArgumentParser, path: str = "paybot") -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every parser under `parser`, with the command line that reaches it."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from parsers(child, f"{path} {name}")


def test_every_command_and_option_has_help_text() -> None:
    walked = list(parsers(build_parser()))
    assert len(walked) >= 20, "the walk reaches every sub-command"
    missing = []
    for path, parser in walked:
        for action in parser._actions:
            if action.help == argparse.SUPPRESS:
                continue
            if isinstance(action, argparse._SubParsersAction):
                missing += [f"{path} {choice.dest}" for choice in action._choices_actions if not choice.help]
                continue
            if not (action.help or "").strip():
                missing.append(f"{path} {'/'.join(action.option_strings) or action.dest}")
    assert missing == []


def test_help_is_in_spanish_everywhere() -> None:
    english = ("show this help", "usage:", "positional arguments", "options:", "default:", "e.g.")
    for path, parser in parsers(build_parser()):
        text = parser.format_help()
        assert text.startswith("uso: "), path
        assert not [word for word in english if word in text], (path, text)


def test_version_is_the_installed_one(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.strip() == f"paybot {version('paybot')}"


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["bogus"], "opción no válida: 'bogus'"),
        (["rates"], "faltan argumentos obligatorios: ACCIÓN"),
        (["rates", "set", "2026-13-01", "--buy", "1", "--sell", "2"], "no es una fecha (AAAA-MM-DD): '2026-13-01'"),
        (["rates", "set", "2026-11-27", "--buy", "503,10", "--sell", "2"], "use '.' como separador decimal"),
        (["quote", "1001", "--nope"], "argumentos no reconocidos: --nope"),
        (["rates", "list", "--days"], "argumento --days: falta su valor"),
    ],
)
def test_a_mistake_is_one_spanish_line_pointing_to_help(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("paybot") and ": error: " in error
    assert expected in error and "--help')" in error


def test_an_argparse_message_without_a_translation_is_kept_whole() -> None:
    assert spanish("something new") == "something new"


def cli_imports(path: Path) -> set[str]:
    """The `bot.cli` modules a file imports anywhere (top level, inside functions, under TYPE_CHECKING)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return {name for name in found if name == "bot.cli" or name.startswith("bot.cli.")}


def test_the_command_line_has_no_import_cycle_and_never_goes_through_its_package() -> None:
    cli = REPO / "bot" / "cli"
    graph = {("bot.cli" if path.stem == "__init__" else f"bot.cli.{path.stem}"): cli_imports(path)
             for path in cli.glob("*.py")}
    assert {"bot.cli", "bot.cli.main", "bot.cli.parser", "bot.cli.commands_db"} <= set(graph)
    assert {module for module, targets in graph.items() if module != "bot.cli" and "bot.cli" in targets} == set()

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for target in graph.get(start, set()):
            if target == goal or (target not in seen and reaches(target, goal, seen | {target})):
                return True
        return False

    assert [module for module in graph if reaches(module, module, set())] == []
