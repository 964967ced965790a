"""odyssey.paths is pure math: it may import nothing from odyssey but odyssey.errors."""

from __future__ import annotations

import ast
from pathlib import Path

import odyssey.paths

PACKAGE = Path(odyssey.paths.__file__).parent


def _imported_modules(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_paths_imports_only_errors_from_odyssey() -> None:
    files = sorted(PACKAGE.glob("*.py"))
    assert len(files) >= 5
    for path in files:
        for module in _imported_modules(path.read_text()):
            top = module.split(".")[0]
            if top == "odyssey":
                assert module == "odyssey.errors" or module.startswith("odyssey.paths"), (path.name, module)
            assert top not in {"yaml", "pydantic", "typer", "imageio"}, (path.name, module)


def test_modules_stay_small() -> None:
    for path in PACKAGE.glob("*.py"):
        assert len(path.read_text().splitlines()) < 260, path.name
