"""The reader is a library: `bot/ocr` imports nothing else from `bot` and no channel or web framework."""

from __future__ import annotations

import ast
from pathlib import Path

import bot.ocr

FORBIDDEN = ("telegram", "twilio", "starlette", "uvicorn", "sqlmodel", "sqlalchemy", "pydantic", "pydantic_settings")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_reader_imports_nothing_else_from_bot_nor_any_channel() -> None:
    folder = Path(bot.ocr.__file__).parent
    modules = sorted(folder.glob("*.py"))
    assert len(modules) > 10
    for module in modules:
        for name in _imports(module):
            top = name.split(".")[0]
            assert not (top == "bot" and not name.startswith("bot.ocr")), f"{module.name} imports {name}"
            assert top not in FORBIDDEN, f"{module.name} imports {name}"
