"""The ``odyssey`` command line: a few lines per command over ``odyssey.api``.

Errors a user can cause (``OdysseyError``) are caught in one place, ``_Group.invoke``,
and printed as one red line with exit code 1; ``--debug`` shows the traceback instead.
Ctrl-C leaves nothing at the output path and exits with 130.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import click
import numpy as np
import typer
from typer.core import TyperGroup

from odyssey import __version__, api
from odyssey.errors import OdysseyError


class _Group(TyperGroup):
    """Turns typed errors into one red line and exit 1 — the only place that does."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except OdysseyError as exc:
            if ctx.params.get("debug") or os.environ.get("ODYSSEY_DEBUG"):
                raise
            click.secho(f"error: {exc}", fg="red", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.secho("interrupted: nothing was written to the output path", fg="yellow", err=True)
            ctx.exit(130)


app = typer.Typer(
    cls=_Group,
    name="odyssey",
    help="Render films of a generative model's latent space from YAML path files.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# Shared options, defined once.
PathFile = Annotated[Path, typer.Argument(help="A path file (YAML), e.g. paths/faces-loop.yaml.", show_default=False)]
SetOption = Annotated[
    Optional[list[str]],
    typer.Option("--set", "-s", metavar="KEY=VALUE", help="Override a field, e.g. --set fps=12 --set path.loop=false --set path.keyframes.0.seed=7."),
]
OutOption = Annotated[Optional[Path], typer.Option("--out", "-o", help="Output file or folder (overrides 'output:' in the file).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"odyssey {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks instead of one-line errors.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """Render films of a generative model's latent space from YAML path files.

    Start with:  odyssey render paths/faces-loop.yaml
    """


@app.command()
def render(
    path_file: PathFile,
    out: OutOption = None,
    set_: SetOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Render a path file to a video (MP4, WebM, GIF) or a folder of PNG frames."""
    output = api.render_file(path_file, set_ or (), out, progress=not quiet)
    if not quiet:
        typer.echo(f"wrote {output}")


@app.command()
def check(path_file: PathFile, set_: SetOption = None, out: OutOption = None, json_: JsonOption = False) -> None:
    """Validate a path file and print the plan: model, frames, duration, output."""
    summary = api.summarize(api.load_job(path_file, set_ or (), out))
    if json_:
        typer.echo(json.dumps(summary, indent=2))
        return
    model = summary["model"]
    classes = f", classes: {', '.join(model['classes'])}" if model["classes"] else ""
    typer.echo(f"{summary['path_file']}: ok")
    typer.echo(f"  model     {model['name']} ({model['family']}, {model['resolution'][1]}x{model['resolution'][0]}, latent {model['latent_shape']}{classes})")
    typer.echo(f"  path      {summary['keyframes']} keyframes, {summary['interpolation']}, easing {summary['easing']}, {'loop' if summary['loop'] else 'no loop'}")
    typer.echo(f"  frames    {summary['frames']} at {summary['fps']:g} fps = {summary['seconds']:g} s")
    typer.echo(f"  output    {summary['output']} ({summary['format']}, {summary['size'][0]}x{summary['size'][1]})")


@app.command()
def plan(
    path_file: PathFile,
    latents: Annotated[Path, typer.Option("--latents", help="Where to save the trajectory (.npy), shape (T, *latent_shape), float32.")],
    set_: SetOption = None,
) -> None:
    """Save the exact latent trajectory that `render` would draw."""
    job = api.load_job(path_file, set_ or (), check_output=False)
    array = job.trajectory.latents().numpy().astype(np.float32)
    api.save_array(latents, array)
    typer.echo(f"wrote {latents} {tuple(array.shape)}")


@app.command()
def preview(
    path_file: PathFile,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="PNG file (default: renders/<name>-preview.png).")] = None,
    frames: Annotated[int, typer.Option("--frames", "-n", min=1, max=256, help="Evenly spaced frames besides the keyframes.")] = 12,
    set_: SetOption = None,
) -> None:
    """Write a contact sheet PNG of the keyframes and evenly spaced frames."""
    output = api.preview_file(path_file, set_ or (), out, frames=frames)
    typer.echo(f"wrote {output}")


@app.command()
def models(
    file: Annotated[Optional[str], typer.Argument(help="A checkpoint file or bundled name to describe; omit to list the bundled models.")] = None,
    format_: Annotated[Optional[str], typer.Option("--format", help="Force an adapter (e.g. native, dcgan).")] = None,
    json_: JsonOption = False,
) -> None:
    """List the bundled models, or describe any checkpoint file."""
    data = api.describe_models(file, format_)
    if json_:
        typer.echo(json.dumps(data, indent=2, default=str))
        return
    for entry in data if isinstance(data, list) else [data]:
        typer.echo(entry.get("name", file) or "")
        for key, value in entry.items():
            if key != "name" and value not in (None, "", [], {}):
                typer.echo(f"  {key:<14}{value}")


@app.command()
def schema() -> None:
    """Print the JSON schema of path files (for editor completion and validation)."""
    typer.echo(json.dumps(api.path_file_schema(), indent=2))


# Typer turns `set_` / `json_` / `format_` into --set-/--json-; the explicit names above win.
def main() -> None:
    """Console entry point."""
    app(prog_name="odyssey")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
