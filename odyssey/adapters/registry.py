"""The adapter registry: which code loads which checkpoint file.

An ``Adapter`` knows one kind of file: its usual suffixes, a cheap ``sniff`` of the
contents, and a ``load`` returning a ``Generator`` (eval mode, CPU, float32).
``load_generator`` picks the adapter in this order:

1. an explicit ``format`` (the adapter's name);
2. the file name: adapters whose suffixes match, the first whose sniff accepts;
3. the contents: every adapter's sniff, in registration order.

If nothing fits, one ``CheckpointError`` lists each adapter and why it refused and
suggests ``format:``. If sniffed adapters accept the file but their ``load`` fails, the
load error is raised (alone if one adapter tried, else joined), since it is the most
specific explanation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from odyssey.adapters.bundled import BUNDLED, bundled_path, list_bundled
from odyssey.errors import CheckpointError
from odyssey.models.base import Generator


@dataclass(frozen=True)
class Adapter:
    """One kind of checkpoint file and how to load it."""

    name: str
    description: str
    suffixes: tuple[str, ...]
    sniff: Callable[[Path], bool]
    load: Callable[[Path, dict], Generator]


_ADAPTERS: list[Adapter] = []


def register(adapter: Adapter) -> Adapter:
    """Add ``adapter`` after those already registered; its name must be new."""
    if any(a.name == adapter.name for a in _ADAPTERS):
        raise ValueError(f"an adapter named {adapter.name!r} is already registered")
    _ADAPTERS.append(adapter)
    return adapter


def adapters() -> list[Adapter]:
    """The registered adapters, in the order they are tried."""
    return list(_ADAPTERS)


def _resolve_path(source: str | Path) -> Path:
    if isinstance(source, str) and source in BUNDLED:
        return bundled_path(source)
    try:
        path = Path(source).expanduser()
    except RuntimeError:
        raise CheckpointError(f"{source}: no such user's home folder for '~'; write the path out") from None
    if path.is_dir():
        raise CheckpointError(f"{path} is a folder, not a checkpoint file; give the file itself")
    if path.exists() and not path.is_file():
        raise CheckpointError(f"{path} is a device or a pipe, not a checkpoint file; give the file itself")
    if not path.is_file():
        hint = "; point at your network pickle with --set model=PATH/TO/network.pkl" if path.suffix.lower() == ".pkl" else ""
        raise CheckpointError(
            f"checkpoint {path} does not exist; give a file path or a bundled model: {', '.join(BUNDLED)}{hint}"
        )
    return path


def _by_format(name: str) -> Adapter:
    for adapter in _ADAPTERS:
        if adapter.name == name.lower():
            return adapter
    known = ", ".join(a.name for a in _ADAPTERS)
    raise CheckpointError(f"unknown checkpoint format {name!r}; known formats: {known}")


def _sniff(adapter: Adapter, path: Path) -> bool:
    try:
        return bool(adapter.sniff(path))
    except Exception:  # a sniff must never break selection; a crash means "not mine"
        return False


def _select(path: Path) -> tuple[list[Adapter], list[str]]:
    """Adapters accepting ``path`` (by name first, then by contents) and why others refused."""
    suffix = path.suffix.lower()
    by_name = [a for a in _ADAPTERS if suffix in a.suffixes]
    for adapter in by_name:
        if _sniff(adapter, path):
            return [adapter], []
    accepted, refusals = [], []
    for adapter in _ADAPTERS:
        if _sniff(adapter, path):
            accepted.append(adapter)
            continue
        if adapter in by_name:
            named = "suffix matches"
        elif adapter.suffixes:
            named = f"suffix {suffix or '(none)'} not in {'/'.join(adapter.suffixes)}"
        else:
            named = f"used only when asked for with format: {adapter.name}"
        refusals.append(f"{adapter.name} ({named}; contents are not {adapter.description})")
    return accepted, refusals


def resolve(
    source: str | Path, format: str | None = None, options: dict | None = None
) -> tuple[Adapter, Path, Generator]:
    """``(adapter, file, generator)`` for ``source``; see the module docstring."""
    path = _resolve_path(source)
    opts = dict(options or {})
    if format is not None:
        adapter = _by_format(format)
        return adapter, path, _finite(adapter.load(path, opts), path)
    accepted, refusals = _select(path)
    if not accepted:
        formats = ", ".join(a.name for a in _ADAPTERS)
        raise CheckpointError(
            f"cannot tell what kind of checkpoint {path} is; tried {'; '.join(refusals)}; "
            f"if you know its kind, set `format:` to one of {formats}"
        )
    failures: list[CheckpointError] = []
    for adapter in accepted:
        try:
            return adapter, path, _finite(adapter.load(path, opts), path)
        except CheckpointError as exc:
            failures.append(exc)
    if len(failures) == 1:
        raise failures[0]
    raise CheckpointError(" | ".join(f"{a.name}: {e}" for a, e in zip(accepted, failures, strict=True)))


def _finite(generator: Generator, path: Path) -> Generator:
    """The generator, once every weight of its networks is known to be finite."""
    from odyssey.adapters.checked import check_finite  # here: checked imports nothing of the registry

    check_finite([value for value in vars(generator).values() if isinstance(value, torch.nn.Module)], str(path))
    return generator


def load_generator(source: str | Path, format: str | None = None, options: dict | None = None) -> Generator:
    """Load a checkpoint file or bundled model as a ``Generator`` (eval, CPU, float32)."""
    return resolve(source, format, options)[2]


def describe(source: str | Path, format: str | None = None, options: dict | None = None) -> dict[str, Any]:
    """A JSON-able description of what ``load_generator`` would return for ``source``."""
    adapter, path, generator = resolve(source, format, options)
    info = generator.info
    return {
        "adapter": adapter.name,
        "file": str(path),
        "name": info.name,
        "family": info.family,
        "latent_shape": list(info.latent_shape),
        "resolution": list(info.resolution),
        "channels": info.channels,
        "classes": list(info.class_names) if info.class_names else None,
        "output_range": list(info.output_range),
        "description": info.description,
        "source": info.source,
        "licence": info.licence or "unknown",
        "extra": info.extra,
    }


def describe_models(source: str | None = None, format: str | None = None) -> list[dict] | dict:
    """``odyssey models``: the bundled models (no argument) or a description of one checkpoint."""
    if source is None:
        return [
            {
                "name": info.name,
                "description": info.description,
                "family": info.family,
                "resolution": f"{info.resolution[1]}x{info.resolution[0]}",
                "latent_shape": list(info.latent_shape),
                "classes": ", ".join(info.class_names) if info.class_names else None,
                "licence": info.licence,
            }
            for info in list_bundled()
        ]
    return describe(source, format=format)
