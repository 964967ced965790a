"""Fresh-machine truth: every package the code imports is declared, and the fast commands stay fast.

A missing core dependency once hid behind a test extra that happened to bring it: CI was
green while a new user's first command failed. So every module-level import of the
package must be satisfied by the *core* dependencies alone, and imports inside functions
by the core or an optional extra. (.ci/run also runs the README's first command in a
fresh virtual environment without extras.)
"""

from __future__ import annotations

import ast
import importlib.metadata as metadata
import re
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "odyssey"


def declared() -> tuple[set[str], set[str]]:
    """(core, optional) distribution names of odyssey, normalised."""
    core, optional = set(), set()
    for requirement in metadata.requires("odyssey") or []:
        name = normalise(re.match(r"[A-Za-z0-9_.\-]+", requirement).group(0))
        (optional if "extra ==" in requirement else core).add(name)
    return core, optional


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def third_party_imports(source: str) -> tuple[set[str], set[str]]:
    """(module-level, inside functions) top-level names of non-stdlib, non-odyssey imports in ``source``.

    Module level includes ``if``/``try`` blocks at the top (they run on import), except
    ``if TYPE_CHECKING:``, which never runs.
    """
    tree = ast.parse(source)
    top: set[str] = set()
    nested: set[str] = set()

    def names(node: ast.AST) -> set[str]:
        if isinstance(node, ast.Import):
            return {alias.name.split(".")[0] for alias in node.names}
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            return {node.module.split(".")[0]}
        return set()

    def visit(nodes: list[ast.stmt], at_top: bool) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            (top if at_top else nested).update(names(node))
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    inside = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
                    visit([child], at_top and not inside)

    visit(tree.body, True)
    external = lambda found: {n for n in found if n not in sys.stdlib_module_names and n != "odyssey"}  # noqa: E731
    return external(top), external(nested)


def distribution_of(module: str) -> str:
    found = metadata.packages_distributions().get(module)
    assert found, f"no installed distribution provides the module {module!r}"
    return normalise(found[0])


def undeclared(modules: set[str], allowed: set[str]) -> list[str]:
    return sorted(f"{m} (from {distribution_of(m)})" for m in modules if distribution_of(m) not in allowed)


def test_the_import_scan_sees_what_it_must():
    top, nested = third_party_imports(
        "import numpy as np\nfrom PIL import Image\ntry:\n    import yaml\nexcept ImportError:\n    pass\n"
        "if TYPE_CHECKING:\n    import ray\ndef f():\n    import torch\n    from odyssey import api\n    import json\n"
    )
    assert top == {"numpy", "PIL", "yaml"} and nested == {"torch"}
    assert undeclared({"PIL"}, {"numpy"}) == ["PIL (from pillow)"]
    assert undeclared({"PIL"}, {"pillow"}) == []


def test_module_level_imports_need_only_core_dependencies():
    core, optional = declared()
    problems, lazy = [], set()
    for path in sorted(PACKAGE.rglob("*.py")):
        top, nested = third_party_imports(path.read_text(encoding="utf-8"))
        problems += [f"{path.relative_to(PACKAGE.parent)}: {item}" for item in undeclared(top, core)]
        lazy |= nested
    assert not problems, "module-level imports not in the core dependencies of pyproject.toml: " + "; ".join(problems)
    assert undeclared(lazy, core | optional) == [], "imports in functions need a core dependency or an optional extra"


COMMANDS_WITHOUT_TORCH = [["--help"], ["--version"], ["schema"], ["render", "--help"], ["check", "--help"], ["seeds", "--help"], ["train-vae", "--help"], ["explore", "--help"]]


@pytest.mark.parametrize("args", COMMANDS_WITHOUT_TORCH, ids=" ".join)
def test_help_version_and_schema_do_not_import_torch(args):
    probe = (
        "import sys\nfrom odyssey.cli import main\nsys.argv = ['odyssey', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    code = exit.code or 0\n"
        "sys.stderr.write(f'\\ntorch imported: {\"torch\" in sys.modules}, exit {code}\\n')\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, timeout=120)
    assert done.stderr.strip().splitlines()[-1] == "torch imported: False, exit 0", done.stderr
    assert done.stdout.strip()
