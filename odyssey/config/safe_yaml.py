"""YAML read with limits: no bombs, no runaway nesting, no key written twice.

A path file is small (a few dozen lines), but it is read before anything else and its
data is hashed into the render key, so whatever it is made of must be bounded first:

* at most ``MAX_BYTES`` of text;
* at most ``MAX_DEPTH`` levels of nesting, checked on the parser's event stream (which
  is iterative) before anything recursive runs;
* at most ``MAX_VALUES`` values once aliases are expanded: a "billion laughs" file is a
  few hundred bytes whose aliases expand to billions of values; its size is counted over
  the shared nodes, without expanding anything, and refused;
* a key written twice in one mapping is an error, not "the later one wins".

``bounded`` applies the same value and depth limits to data that did not come from YAML
(a dict given to the Python API).
"""

from __future__ import annotations

from typing import Any

import yaml

from odyssey.config.bounds import tree_problem
from odyssey.errors import ConfigError

MAX_BYTES = 1 << 20
MAX_DEPTH = 32
MAX_VALUES = 100_000


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key written twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(None, None, "a mapping key must be a plain value", key_node.start_mark) from None
            if key in seen:
                raise ConfigError(
                    f"line {key_node.start_mark.line + 1}: key {_shown(key)} is written twice in one mapping "
                    f"(first on line {seen[key]}); keep one of them"
                )
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def load(text: str) -> Any:
    """Parse ``text`` as YAML within the limits above; ConfigError (without a file name) or yaml.YAMLError."""
    if len(text) > MAX_BYTES:
        raise ConfigError(f"{len(text)} bytes is more than a path file needs (at most {MAX_BYTES}); is this the right file?")
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise ConfigError(f"line {event.start_mark.line + 1}: nested more than {MAX_DEPTH} levels deep; a path file needs a few")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
    loader = _UniqueKeyLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _count(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _count(root: yaml.Node) -> None:
    """Refuse a document whose values, aliases expanded, exceed ``MAX_VALUES`` (counted over shared nodes)."""
    problem = tree_problem(root, _children, 1 << 30, MAX_VALUES)  # depth was bounded on the event stream
    line = root.start_mark.line + 1
    if problem == "cycle":
        raise ConfigError(f"line {line}: a value that contains itself (an alias to its own anchor); write it out")
    if problem == "big":
        raise ConfigError(f"line {line}: expands to more than {MAX_VALUES} values (aliases of aliases: a YAML bomb?); write the values out, or fewer")


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def bounded(data: Any, where: str) -> None:
    """Refuse Python data (a dict given as a path file) nested deeper than ``MAX_DEPTH`` or with
    more than ``MAX_VALUES`` values, shared objects counted each time they appear."""
    problem = tree_problem(data, _python_parts, MAX_DEPTH, MAX_VALUES)
    if problem == "deep":
        raise ConfigError(f"{where}: nested more than {MAX_DEPTH} levels deep; a path file needs a few")
    if problem == "cycle":
        raise ConfigError(f"{where}: a value that contains itself; a path file is a tree")
    if problem == "big":
        raise ConfigError(f"{where}: more than {MAX_VALUES} values; a path file needs far fewer")


def _python_parts(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [*value.keys(), *value.values()]
    return list(value) if isinstance(value, (list, tuple)) else []


def _shown(key: Any) -> str:
    text = repr(key) if not isinstance(key, str) else f"'{key}'"
    text = text if len(text) <= 60 else text[:57] + "..."
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")
