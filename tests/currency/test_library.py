"""`currency` is a library: it never imports the application, so anything may use it (the reader too)."""

from __future__ import annotations

import ast
from pathlib import Path

CURRENCY = Path(__file__).resolve().parents[2] / "currency"


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_no_currency_module_imports_bot() -> None:
    modules = sorted(CURRENCY.rglob("*.py"))
    assert len(modules) >= 8
    offenders = {
        str(path.relative_to(CURRENCY.parent)): sorted(name for name in imported_modules(path)
                                                       if name == "bot" or name.startswith("bot."))
        for path in modules
    }
    assert {path: names for path, names in offenders.items() if names} == {}
