"""``odyssey models``, ``odyssey convert`` and ``odyssey schema``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from odyssey.cli.options import JsonOption, notes, shown


def models(
    file: Annotated[Optional[str], typer.Argument(metavar="[FILE]", help="A checkpoint file or bundled name to describe; omit to list the bundled models.")] = None,
    format_: Annotated[Optional[str], typer.Option("--format", metavar="NAME", help="Force an adapter (e.g. native, dcgan, stylegan).")] = None,
    json_: JsonOption = False,
) -> None:
    """List the bundled models, or describe any checkpoint file (what odyssey made of it)."""
    notes()
    from odyssey import api

    data = api.describe_models(file, format_)
    if json_:
        typer.echo(json.dumps(data, indent=2, default=str))
        return
    for entry in data if isinstance(data, list) else [data]:
        typer.echo(entry.get("name", file) or "")
        for key, value in entry.items():
            if key != "name" and value not in (None, "", [], {}):
                typer.echo(f"  {key:<14}{value}")


def convert(
    source: Annotated[str, typer.Argument(metavar="MODEL", help="A checkpoint file odyssey loads (any format in `odyssey models --help`'s list), or a bundled name.", show_default=False)],
    target: Annotated[Path, typer.Argument(metavar="OUT.safetensors", help="The odyssey file to write (.safetensors).", show_default=False)],
    format_: Annotated[Optional[str], typer.Option("--format", metavar="NAME", help="Force an adapter (e.g. stylegan, dcgan), as `format:` in a path file.")] = None,
    key: Annotated[Optional[str], typer.Option("--key", help="StyleGAN pickles: which network, G_ema (the default, the one to render) or G.")] = None,
) -> None:
    """Convert a checkpoint to odyssey's .safetensors: it loads again with no pickle, no side files and no code, and renders identical frames."""
    notes()
    from odyssey import api

    info = api.convert_checkpoint(source, target, format=format_, options={"key": key} if key else None)
    typer.echo(f"wrote {shown(target)} ({info.description})")


def schema() -> None:
    """Print the JSON schema of path files (for editor completion and validation).

    VS Code's YAML extension: odyssey schema > odyssey.schema.json, then put
    '# yaml-language-server: $schema=./odyssey.schema.json' at the top of a path file.
    """
    from odyssey.config import json_schema  # no torch: the schema is pure pydantic

    typer.echo(json.dumps(json_schema(), indent=2))


