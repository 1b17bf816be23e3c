"""The import rules of issue 10, checked on the source: every import of every module of bot/ and currency/,
including those inside functions and under TYPE_CHECKING, parsed with `ast`."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import REPO

PACKAGES = ("bot", "currency")
CHANNEL_LIBRARIES = ("telegram", "twilio", "starlette", "uvicorn")
APPLICATION = ("bot.handlers", "bot.intake", "bot.service", "bot.cli")
PORTS = ("bot.intake.messages",)
"""What channel handlers may import of the intake core: the neutral messages and the ports."""
CHANNEL_TABLES = frozenset({"WhatsAppWindow", "StaffPrompt", "StaffRole"})
"""What channel handlers may import of the tables: the state a channel keeps for itself."""

@dataclass(frozen=True)
class Import:
    """One import statement's target as a module path, and the names it takes from it."""

    module: str
    target: str
    names: tuple[str, ...]
    line: int


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files() -> list[Path]:
    files = []
    for package in PACKAGES:
        files += [p for p in sorted((REPO / package).rglob("*.py")) if "migrations" not in p.parts]
    return files


MODULES = {module_name(path): path for path in source_files()}


def is_package(module: str) -> bool:
    return MODULES.get(module, Path()).name == "__init__.py"


def imports_of(module: str) -> Iterator[Import]:
    """Every import in `module`, wherever it stands; `from P import m` of a module m counts as importing P.m."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if is_package(module) else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, (), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = tuple(alias.name for alias in node.names)
            submodules = [name for name in names if f"{base}.{name}" in MODULES]
            for name in submodules:
                yield Import(module, f"{base}.{name}", (), node.lineno)
            rest = tuple(name for name in names if name not in submodules)
            if rest or not submodules:
                yield Import(module, base, rest, node.lineno)


ALL_IMPORTS = [found for module in MODULES for found in imports_of(module)]


def under(module: str, *prefixes: str) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def violations(rule: str) -> set[tuple[str, str]]:
    return {(found.module, found.target) for found in ALL_IMPORTS if breaks(rule, found)}


def breaks(rule: str, found: Import) -> bool:
    source, target = found.module, found.target
    if rule == "currency is a library":
        return under(source, "currency") and under(target, "bot")
    if rule == "the reader stands alone":
        return under(source, "bot.ocr") and under(target, "bot") and not under(target, "bot.ocr")
    if rule == "libraries know no channel":
        return under(source, "bot.ocr", "bot.contracts", "currency") and under(
            target, *CHANNEL_LIBRARIES, *APPLICATION)
    if rule == "siblings directly":
        package = source if is_package(source) else source.rpartition(".")[0]
        return not is_package(source) and target == package and bool(found.names)
    if rule == "handlers through the ports":
        if not under(source, "bot.handlers"):
            return False
        if under(target, "bot.intake", "bot.service", "bot.cli"):
            return not under(target, *PORTS)
        return target == "bot.db.models" and not set(found.names) <= CHANNEL_TABLES
    if rule == "the sandbox asks the core":
        return source == "bot.handlers.sandbox" and under(target, "bot.db", "sqlmodel", "sqlalchemy")
    raise ValueError(rule)


RULES = (
    "currency is a library",
    "the reader stands alone",
    "libraries know no channel",
    "siblings directly",
    "handlers through the ports",
    "the sandbox asks the core",
)


def test_every_layer_rule_holds() -> None:
    found = sorted((rule, pair) for rule in RULES for pair in violations(rule))
    assert found == [], "\n".join(f"{rule}: {source} imports {target}" for rule, (source, target) in found)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (or a module importing itself), by Tarjan."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph.get(node, ()):
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for found in ALL_IMPORTS:
        if found.target in MODULES and found.target != found.module:
            graph[found.module].add(found.target)
    return graph


def test_no_module_imports_itself_back_by_any_path() -> None:
    assert cycles(import_graph()) == []


def test_the_checker_sees_imports_inside_functions_and_under_type_checking() -> None:
    source = (
        "from __future__ import annotations\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from bot.intake.core import IntakeCore\n"
        "def late():\n    from bot.intake import actions\n"
    )
    tree = ast.parse(source)
    targets = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert {"bot.intake.core", "bot.intake"} <= targets
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert breaks("handlers through the ports", Import("bot.handlers.x", "bot.intake.core", ("IntakeCore",), 1))
    assert breaks("siblings directly", Import("bot.intake.actions", "bot.intake", ("Messenger",), 1))
    assert not breaks("siblings directly", Import("bot.intake.actions", "bot.intake.sending", ("Messenger",), 1))
