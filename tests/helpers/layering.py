"""The layer checker behind tests/unit/test_layers.py: parses every module of a package, resolves its imports of the
package itself, and reports imports that go up a layer and import cycles (between modules and between packages).

Imports under ``if TYPE_CHECKING:`` are ignored (they never run); every other import counts, also one inside a
function: a late import hides a dependency, it does not remove it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Import:
    """One import statement of a module: the module it names (resolved to a module of the package, or the
    third-party top-level name), and the line."""

    importer: str
    imported: str
    line: int


def module_name(root: Path, path: Path) -> str:
    """``hub/router/core.py`` -> ``hub.router.core``; ``hub/router/__init__.py`` -> ``hub.router``."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_modules(root: Path) -> dict[str, Path]:
    """Every module of the package at ``root`` by dotted name."""
    return {module_name(root, path): path for path in sorted(root.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    """Whether an ``if`` tests ``TYPE_CHECKING`` (bare or as ``typing.TYPE_CHECKING``)."""
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(tree: ast.AST) -> Iterable[ast.AST]:
    """Every node of ``tree`` except the bodies of ``if TYPE_CHECKING:`` blocks (their ``else`` still runs)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _resolve(name: str, modules: Mapping[str, Path]) -> str:
    """The longest prefix of ``name`` that is a module of the package (``hub.schemas.Incident`` -> ``hub.schemas``)."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return name


def imports_of(module: str, path: Path, modules: Mapping[str, Path]) -> list[Import]:
    """The run-time imports of ``module``: the package's own resolved to modules, third-party ones by top name."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[Import] = []
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [Import(module, _resolve(alias.name, modules), node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            # ``from hub.router import core`` imports the module hub.router.core, not only the package.
            for alias in node.names:
                found.append(Import(module, _resolve(f"{target}.{alias.name}", modules), node.lineno))
    return found


@dataclass(frozen=True)
class Layers:
    """Layers from the bottom: each a name and the module prefixes it holds. A module belongs to the layer of its
    longest matching prefix (the root package's name matches only the root module itself, not everything under it);
    it may import its own layer and those below."""

    layers: Sequence[tuple[str, Sequence[str]]]

    def of(self, module: str) -> tuple[int, str] | None:
        """(index, name) of the layer ``module`` belongs to; None when no prefix matches."""
        best: tuple[int, int, str] | None = None  # (prefix length, layer index, layer name)
        for index, (name, prefixes) in enumerate(self.layers):
            for prefix in prefixes:
                covers = module == prefix or ("." in prefix and module.startswith(prefix + "."))
                if covers and (best is None or len(prefix) > best[0]):
                    best = (len(prefix), index, name)
        return None if best is None else (best[1], best[2])


@dataclass(frozen=True)
class Report:
    """What the checker found: modules without a layer, upward imports, and cycles (each as a list of names)."""

    unassigned: list[str]
    upward: list[str]
    module_cycles: list[list[str]]
    package_cycles: list[list[str]]

    @property
    def ok(self) -> bool:
        """True when nothing was found."""
        return not (self.unassigned or self.upward or self.module_cycles or self.package_cycles)


def _cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node, or a node that imports itself."""
    return [sorted(c) for c in _components(graph) if len(c) > 1 or c[0] in graph.get(c[0], ())]


def _components(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of ``graph``, each a list of nodes."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            cut = stack.index(node)
            found.append(stack[cut:])
            del stack[cut:]

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def unit_of(module: str, root_name: str) -> str:
    """The package-level unit of a module: its first sub-package (``hub.router.core`` -> ``hub.router``), or the
    module itself when it sits at the top (``hub.config``)."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else root_name


def check(root: Path, layers: Layers) -> Report:
    """Check the package at ``root`` against ``layers``."""
    modules = package_modules(root)
    root_name = root.name
    unassigned = sorted(m for m in modules if layers.of(m) is None)
    upward: list[str] = []
    module_graph: dict[str, set[str]] = {m: set() for m in modules}
    package_graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        own = layers.of(module)
        for imp in imports_of(module, path, modules):
            if imp.imported not in modules:
                continue
            target = imp.imported
            # A package's ``__init__`` importing its own sub-modules is how a package exposes them, not a cycle.
            if not (target.startswith(module + ".") and path.name == "__init__.py"):
                module_graph[module].add(target)
            theirs = layers.of(target)
            if own is not None and theirs is not None and theirs[0] > own[0]:
                upward.append(
                    f"{module} ({own[1]}) imports {target} ({theirs[1]}) at {path.name}:{imp.line}: a layer above"
                )
            mine, their_unit = unit_of(module, root_name), unit_of(target, root_name)
            if mine != their_unit and root_name not in (mine, their_unit):
                package_graph.setdefault(mine, set()).add(their_unit)
    return Report(unassigned, sorted(set(upward)), _cycles(module_graph), _cycles(package_graph))


def external_closure(root: Path, start: str) -> dict[str, str]:
    """Third-party top-level modules that importing ``start`` loads through the package's own imports, each with
    the package module that imports it first (static: it does not follow third-party modules' own imports)."""
    modules = package_modules(root)
    seen: set[str] = set()
    external: dict[str, str] = {}
    todo = [start]
    # Importing a module first imports every package above it.
    parts = start.split(".")
    todo += [".".join(parts[:i]) for i in range(1, len(parts))]
    while todo:
        module = todo.pop()
        if module in seen or module not in modules:
            continue
        seen.add(module)
        for imp in imports_of(module, modules[module], modules):
            if imp.imported in modules:
                todo.append(imp.imported)
                chain = imp.imported.split(".")
                todo += [".".join(chain[:i]) for i in range(1, len(chain))]
            else:
                external.setdefault(imp.imported.split(".")[0], module)
    return external
