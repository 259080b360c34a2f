"""The package's imports run one way: CLI -> facade -> services -> machinery -> foundations.

Read from the source with ``ast`` (imports under ``if TYPE_CHECKING:`` and inside functions count
too: a lazy import is still a dependency), so a new arrow pointing upwards, or a cycle, fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, List, Set

PACKAGE = Path(__file__).resolve().parent.parent.parent / "pipcache_ext"

# Lowest first. A module may import from its own layer and the layers below it.
LAYERS: List[List[str]] = [
    ["models", "errors", "_pipversions"],
    ["_fs", "_names", "_patterns", "_scripts", "_parsers", "_runner", "_pipcmd", "_parallel"],
    # the library's own disk cache: probe answers and what was learnt of HTTP entries
    ["_probing.store"],
    ["_scan", "_walk", "_plan", "_execute", "_guard", "_native", "_http", "_housekeeping"],
    ["_locrules"],  # where a cache dir is by pip's rules, without a pip
    ["_backends", "_probing", "_grouping", "_users"],
    ["api", "_api_http", "_api_housekeeping", "_api_location", "_survey", "_discovery"],
    ["_oneshots"],  # one-shot functions that build a PipCache
    ["_cli", "__main__", "__init__"],
]
MAX_LINES = 400


def _modules() -> Dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path, modules: Dict[str, Path]) -> Set[str]:
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    targets: Set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                stem = [*base, *(node.module.split(".") if node.module else [])]
            elif node.module and node.module.startswith("pipcache_ext"):
                stem = node.module.split(".")[1:]
            else:
                continue
            for alias in node.names:
                full = ".".join([*stem, alias.name])
                targets.add(full if full in modules else ".".join(stem))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("pipcache_ext."):
                    targets.add(alias.name.split(".", 1)[1])
    return {t for t in targets if t in modules and t != name and t != ""}


def _layer(name: str) -> int:
    for index, members in enumerate(LAYERS):
        if name in members:
            return index
    top = name.split(".", maxsplit=1)[0]
    for index, members in enumerate(LAYERS):
        if top in members:
            return index
    raise AssertionError(f"{name} is in no layer: add it to LAYERS")


def test_imports_run_one_way() -> None:
    modules = _modules()
    upwards = [
        f"{name} -> {target}"
        for name, path in modules.items()
        if name
        for target in _imports(name, path, modules)
        if _layer(target) > _layer(name)
    ]
    assert upwards == []


def test_there_is_no_import_cycle() -> None:
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items() if name}
    cycles: List[str] = []
    state: Dict[str, int] = {}

    def visit(node: str, trail: List[str]) -> None:
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                cycles.append(" -> ".join([*trail[trail.index(target) :], target]))
            elif target not in state:
                visit(target, [*trail, target])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_no_module_is_over_400_lines() -> None:
    long = {
        str(path.relative_to(PACKAGE)): n
        for path in PACKAGE.rglob("*.py")
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}
