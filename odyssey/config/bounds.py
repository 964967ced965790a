"""How big and how deep nested data really is, without expanding it.

Data read from a file can share one object in many places (YAML aliases, pickle memo
references): a few hundred bytes can stand for billions of values, and anything that
walks, copies, hashes or prints it expands them all. ``tree_problem`` measures such data
over its shared objects -- each object is measured once and counted wherever it appears --
iteratively (a million levels of nesting are no RecursionError), and says what is wrong:
too deep, too many values, or an object that contains itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def tree_problem(root: Any, parts: Callable[[Any], list[Any]], max_depth: int, max_values: int) -> str | None:
    """``"deep"``, ``"big"``, ``"cycle"`` or None for the data under ``root``; ``parts(x)`` lists
    the children of ``x`` (empty for a leaf). Values are counted with shared objects expanded."""
    sizes: dict[int, int] = {}
    open_ids: set[int] = set()
    stack: list[tuple[Any, int, bool]] = [(root, 1, False)]
    while stack:
        value, depth, expanded = stack.pop()
        children = parts(value)
        if not children or id(value) in sizes:
            continue
        if depth > max_depth:
            return "deep"
        if not expanded:
            if id(value) in open_ids:
                return "cycle"
            open_ids.add(id(value))
            stack.append((value, depth, True))
            stack.extend((child, depth + 1, False) for child in children)
            continue
        total = 1 + sum(sizes.get(id(child), 1) for child in children)
        sizes[id(value)] = total
        open_ids.discard(id(value))
        if total > max_values:
            return "big"
    return None
