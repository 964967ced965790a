"""``odyssey explore``: the studio in the browser (the ``explore`` extra)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from odyssey.cli.options import notes, shown
from odyssey.studio import missing_extra

DEFAULT_FOLDER = Path("renders") / "explore"


def explore(
    target: Annotated[str, typer.Argument(metavar="MODEL|PATH.yaml", help="A bundled model (e.g. dcgan-faces), a checkpoint file, or a path file to edit.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", metavar="DIR", help="Folder for exported path files, strokes and renders; the studio writes nowhere else.")] = DEFAULT_FOLDER,
    listen: Annotated[Optional[str], typer.Option("--listen", metavar="HOST", help="Listen on HOST (e.g. 0.0.0.0) instead of 127.0.0.1; every request then needs the token printed at start.")] = None,
    port: Annotated[int, typer.Option("--port", metavar="N", min=0, max=65535, help="Port (default: a free one).")] = 0,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Only print the URL; do not open a browser.")] = False,
) -> None:
    """Open a studio in the browser: browse seeds, draw a path on a plane of faces, preview it,
    edit its timing, export a path file and render it.

    The page is served by this command (no internet needed) at http://127.0.0.1:PORT/; Ctrl-C stops it.
    Exported path files render with `odyssey render` to exactly the previewed frames.
    """
    problem = missing_extra()
    if problem:
        typer.secho(f"error: {problem}", fg="red", err=True)
        raise typer.Exit(1)
    notes()
    from odyssey.studio.server import serve

    is_file = target.endswith((".yaml", ".yml"))
    serve(None if is_file else target, Path(target) if is_file else None, out, listen=listen, port=port, open_browser=not no_browser, say=lambda line: typer.echo(line.replace(str(out.resolve()), shown(out))))
