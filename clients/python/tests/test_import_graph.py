"""The modules of the ``kindred`` package import each other in one direction only.

The graph is read from the sources with ``ast`` (no import runs), and counts every import:
module level, inside functions, and ``importlib.import_module``/``__import__`` with a literal
name, so that moving an import into a function cannot hide a cycle. An edge goes to the module
named, not to the packages above it (importing ``kindred.x`` runs ``kindred/__init__.py`` first,
but that is Python's doing, not a dependency the code chose).
"""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, List, Optional, Set

PACKAGE = Path(__file__).resolve().parents[1] / "kindred"
ADAPTERS = {"kindred.gym_env", "kindred.gym_vector_env", "kindred.pettingzoo_env", "kindred.sb3_vec_env",
            "kindred.rllib_env", "kindred.puffer_env"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(tree: ast.AST, module: str, is_package: bool) -> List[str]:
    """Every dotted name ``module`` imports (``from a import b`` gives ``a.b``; the caller
    falls back to ``a`` when ``a.b`` is not a module)."""
    package = module if is_package else module.rpartition(".")[0]

    def absolute(name: str, level: int) -> str:
        if level == 0:
            return name
        base = package.split(".")
        base = base[: len(base) - (level - 1)]
        return ".".join(base + ([name] if name else []))

    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = absolute(node.module or "", node.level)
            names += [f"{base}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            target = node.args[0].value
            if called in ("import_module", "__import__") and isinstance(target, str):
                level = len(target) - len(target.lstrip("."))
                names.append(absolute(target[level:], level))
    return names


def import_graph() -> Dict[str, Set[str]]:
    files = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}

    def resolve(name: str) -> Optional[str]:  # the innermost kindred module a name lies in
        while name and name not in files:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        targets = (resolve(n) for n in imported_names(tree, module, path.name == "__init__.py"))
        graph[module] = {t for t in targets if t is not None and t != module}
    return graph


def find_cycle(graph: Dict[str, Set[str]]) -> Optional[List[str]]:
    """One cycle as a path ``[a, b, ..., a]``, or None (depth-first search)."""
    done: Set[str] = set()
    path: List[str] = []

    def visit(node: str) -> Optional[List[str]]:
        if node in path:
            return path[path.index(node):] + [node]
        if node in done:
            return None
        path.append(node)
        for nxt in sorted(graph[node]):
            cycle = visit(nxt)
            if cycle:
                return cycle
        path.pop()
        done.add(node)
        return None

    for start in sorted(graph):
        cycle = visit(start)
        if cycle:
            return cycle
    return None


def reachable(graph: Dict[str, Set[str]], start: str) -> Set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in graph[todo.pop()] - seen:
            seen.add(nxt)
            todo.append(nxt)
    return seen


def test_the_graph_is_read():
    # Guards the walker: a graph it failed to read would be acyclic too.
    graph = import_graph()
    assert ADAPTERS | {"kindred", "kindred._client"} <= set(graph)
    assert all("kindred._client" in reachable(graph, a) for a in ADAPTERS)


def test_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_core_client_knows_no_adapter():
    # The adapters build on the client, never the other way round.
    reached = sorted(reachable(import_graph(), "kindred._client") & ADAPTERS)
    assert not reached, f"kindred._client imports {reached}"


def test_find_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None
