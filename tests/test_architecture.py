"""The package's shape: one folder per layer, imports only downward, no import cycles.

The layers, bottom to top, are listed in ``LAYERS`` (and in docs/architecture.md, which
this test keeps honest): a module may import its own folder and any folder of a lower
layer, never a folder of its own layer or above. Every import counts, also those inside
functions and under ``TYPE_CHECKING``, since a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "odyssey"
DOC = PACKAGE.parent / "docs" / "architecture.md"

# Folder (or root module) -> layer. Lower layers never import higher ones; folders of one
# layer never import each other.
LAYERS: dict[str, int] = {
    "odyssey": 0,  # the root __init__: the version and lazy public names, no static imports
    "errors": 0,
    "paths": 1,
    "config": 2,
    "models": 2,
    "writers": 2,
    "adapters": 3,
    "audio": 3,
    "plan": 4,
    "train": 4,
    "renderer": 5,
    "segments": 6,
    "api": 7,
    "studio": 8,
    "cli": 9,
    "__main__": 10,
}
ROOT_MODULES = {"__init__.py", "__main__.py", "api.py", "cli.py", "errors.py"}


def module_name(path: Path) -> str:
    parts = ["odyssey", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every odyssey module ``path`` imports (relative imports resolved), at any depth of the code."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:  # `from odyssey.plan import job` imports the module odyssey.plan.job
                candidate = f"{base}.{alias.name}"
                found.add(candidate if _is_module(candidate) else base)
    return {m for m in found if m == "odyssey" or m.startswith("odyssey.")}


def _is_module(name: str) -> bool:
    relative = Path(*name.split(".")[1:]) if "." in name else Path()
    return (PACKAGE / relative).with_suffix(".py").is_file() or (PACKAGE / relative / "__init__.py").is_file()


def component(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "odyssey"


def import_graph() -> dict[str, set[str]]:
    return {module_name(p): imports_of(p) for p in sorted(PACKAGE.rglob("*.py"))}


def layer_violations(graph: dict[str, set[str]], layers: dict[str, int]) -> list[str]:
    """Imports that go sideways or up: ``a imports b`` where b's layer is not below a's."""
    bad = []
    for source, targets in graph.items():
        for target in sorted(targets):
            here, there = component(source), component(target)
            if here != there and layers[there] >= layers[here]:
                bad.append(f"{source} (layer {layers[here]}) imports {target} (layer {layers[there]})")
    return bad


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (or a module importing itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
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
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_checks_catch_what_they_look_for():
    """The cycle finder and the layer rule on small graphs whose answers are known."""
    graph = {"odyssey.plan.a": {"odyssey.plan.b"}, "odyssey.plan.b": {"odyssey.plan.c"}, "odyssey.plan.c": {"odyssey.plan.a"}, "odyssey.paths.d": set()}
    assert cycles(graph) == [["odyssey.plan.a", "odyssey.plan.b", "odyssey.plan.c"]]
    assert cycles({"odyssey.x": {"odyssey.x"}}) == [["odyssey.x"]]
    assert cycles({"odyssey.plan.a": {"odyssey.paths.d"}, "odyssey.paths.d": set()}) == []
    assert layer_violations({"odyssey.paths.d": {"odyssey.plan.a"}}, LAYERS) == ["odyssey.paths.d (layer 1) imports odyssey.plan.a (layer 4)"]
    assert layer_violations({"odyssey.plan.a": {"odyssey.train.b"}}, LAYERS)  # same layer, other folder: sideways
    assert layer_violations({"odyssey.plan.a": {"odyssey.plan.b", "odyssey.paths.d"}}, LAYERS) == []


def test_the_package_root_holds_only_the_front_modules_and_layer_folders():
    loose = {p.name for p in PACKAGE.glob("*.py")} - ROOT_MODULES
    assert not loose, f"modules at the package root besides {sorted(ROOT_MODULES)}: {sorted(loose)}; move them into their layer's folder"
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
    assert folders == {name for name in LAYERS if (PACKAGE / name).is_dir()}, "every folder has a layer in LAYERS"


def test_imports_only_go_down():
    graph = import_graph()
    assert all(component(m) in LAYERS for m in graph), sorted(component(m) for m in graph if component(m) not in LAYERS)
    assert layer_violations(graph, LAYERS) == []


def test_no_import_cycles():
    assert cycles(import_graph()) == []


def test_architecture_doc_lists_every_layer_in_order():
    text = DOC.read_text(encoding="utf-8")
    listed = re.findall(r"^\| (\d) \| `odyssey/([a-z_]+)/?(?:\.py)?`", text, flags=re.M)
    folders = {name: layer for name, layer in LAYERS.items() if name not in ("odyssey", "__main__")}
    assert {name: int(layer) for layer, name in listed} == folders
