"""The package's shape, checked: no import cycle anywhere (function-level and TYPE_CHECKING imports
included), no module importing from a layer above its own (the layers are those scanner/__init__.py
documents), no module over 700 lines, and no benchmark or tool inside the installed package."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

import scanner

PACKAGE = Path(scanner.__file__).parent
ROOT = PACKAGE.parent
MAX_LINES = 700
# Modules still over MAX_LINES while their split is under way (see test_no_module_is_over_700_lines).
STILL_LONG: frozenset[str] = frozenset()


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name, for its __init__)."""
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _is_package(name: str) -> bool:
    return modules()[name].name == "__init__.py"


def _targets(name: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The package's modules one import statement names (`from . import x` names the submodule x)."""
    if isinstance(node, ast.Import):
        wanted = [alias.name for alias in node.names]
    else:
        if node.level:
            base = name.split(".") if _is_package(name) else name.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            source = ".".join([*base, node.module] if node.module else base)
        else:
            source = node.module or ""
        wanted = [
            f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules() else source
            for alias in node.names
        ]
    found = []
    for target in wanted:
        # `import scanner.a.b` names the module scanner.a.b; a name inside it resolves to it.
        while target and target not in modules():
            target = target.rpartition(".")[0]
        if (target == "scanner" or target.startswith("scanner.")) and target != name:
            found.append(target)
            found += _packages_run_first(name, target)
    return found


def _packages_run_first(name: str, target: str) -> list[str]:
    """The packages whose __init__ Python runs before `target` when module `name` imports it: every
    package around `target` that `name` is not inside of (its own packages are running already)."""
    parts = target.split(".")
    around = (".".join(parts[:i]) for i in range(1, len(parts)))
    return [p for p in around if not (name == p or name.startswith(p + "."))]


def imports_in(name: str, source: str) -> frozenset[str]:
    """The package's modules the source of module `name` imports anywhere: at module level, in
    functions, under TYPE_CHECKING."""
    return frozenset(
        target
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for target in _targets(name, node)
    )


@cache
def imports() -> dict[str, frozenset[str]]:
    """For each module of the package, the package's modules it imports (see `imports_in`)."""
    return {name: imports_in(name, path.read_text(encoding="utf-8")) for name, path in modules().items()}


def _cycles(graph: dict[str, frozenset[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def layers() -> list[list[str]]:
    """The layers scanner/__init__.py documents, bottom first: the lines `  N. name, name: what`
    after "Layers"."""
    doc = scanner.__doc__ or ""
    section = doc.split("Layers", 1)[1] if "Layers" in doc else ""
    rows = re.findall(r"^\s+\d+\.\s+([^:\n]+)", section, re.MULTILINE)
    return [[unit.strip() for unit in row.split(",")] for row in rows]


def _unit(name: str) -> str:
    """The top-level part a module belongs to (scanner.verify.explain → verify)."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_imports_are_found_at_every_level_and_resolved() -> None:
    # The walker must see the imports these tests are about, or passing would prove nothing.
    source = """
from typing import TYPE_CHECKING
import scanner.fields
from ..text import Lang
from . import reading
from .advice import advice
if TYPE_CHECKING:
    from ..registry.importer import ImportReport
def later():
    from ..verify import Verdict
    import numpy
"""
    assert imports_in("scanner.report.verification", source) == {
        "scanner.fields",
        "scanner.text",
        "scanner.report.reading",
        "scanner.report.advice",
        "scanner.registry.importer",
        "scanner.registry",  # its __init__ runs first
        "scanner.verify",
    }
    # In a package's __init__, `.` is the package itself; a name that is no module is its module's.
    assert imports_in("scanner.report", "from .reading import summary\nfrom . import heading") == {
        "scanner.report.reading"
    }
    assert "scanner.fields" in imports()["scanner.verify"]


def test_no_import_cycle_between_modules() -> None:
    assert _cycles(imports()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}), "d": frozenset({"a"})}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_every_part_of_the_package_has_a_documented_layer() -> None:
    documented = {unit for layer in layers() for unit in layer}
    units = {_unit(name) for name in modules()} - {""}
    assert len(layers()) >= 5
    assert sorted(units - documented) == []
    assert sorted(documented - units) == []


def test_no_module_imports_from_a_higher_layer() -> None:
    level = {unit: i for i, layer in enumerate(layers()) for unit in layer}
    upward = sorted(
        f"{name} → {target}"
        for name, targets in imports().items()
        if _unit(name)
        for target in targets
        if _unit(target) and level[_unit(target)] > level[_unit(name)]
    )
    assert upward == []


def _long_modules() -> list[str]:
    return sorted(
        name
        for name, path in modules().items()
        if len(path.read_text(encoding="utf-8").splitlines()) > MAX_LINES
    )


@pytest.mark.xfail(
    bool(STILL_LONG), reason=f"still over {MAX_LINES} lines: {sorted(STILL_LONG)}", strict=True
)
def test_no_module_is_over_700_lines() -> None:
    assert _long_modules() == []


def test_the_modules_known_to_be_long_are_the_long_ones() -> None:
    # A module split below the limit leaves STILL_LONG, so the xfail above cannot hide a new one.
    assert set(_long_modules()) <= STILL_LONG


def test_no_benchmark_or_tool_inside_the_package() -> None:
    outside = {p.stem for folder in ("benchmarks", "tools") for p in (ROOT / folder).glob("*.py")}
    inside = {name.rpartition(".")[2] for name in modules()}
    assert sorted((outside - {"__init__"}) & inside) == []
    assert [name for name in modules() if "bench" in name] == []
