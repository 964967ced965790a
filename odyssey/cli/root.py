"""The ``odyssey`` group: global options, the one place errors become red lines, the commands.

The commands live in ``render`` (render, join), ``inspect`` (check, plan, preview,
seeds), ``explore`` (the studio), ``models`` (models, convert, schema) and ``train`` (train-vae); this module
registers them.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from odyssey import __version__
from odyssey.cli import explore, inspect, models, render, train
from odyssey.cli.options import was_interrupted
from odyssey.errors import OdysseyError


class _Group(TyperGroup):
    """Turns typed errors into red lines (one per problem) and exit 1, Ctrl-C into exit 130:
    the only place that does."""

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except OdysseyError as exc:
            if was_interrupted():  # a reader that Ctrl-C stopped mid-file may call it corrupt: it was Ctrl-C
                _say_interrupted("")
                ctx.exit(130)
            if ctx.params.get("debug") or os.environ.get("ODYSSEY_DEBUG"):
                raise
            for line in str(exc).splitlines() or [type(exc).__name__]:
                typer.secho(f"error: {line}", fg="red", err=True)
            ctx.exit(1)
        except KeyboardInterrupt as exc:  # a segmented render's says what it keeps (odyssey.segments.Interrupted)
            _say_interrupted(str(exc))
            ctx.exit(130)

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:  # type: ignore[override]
        return super().parse_args(ctx, _ray_without_address(args))

    def main(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        """Mistyped options are one line too (exit 2), not a usage box."""
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)  # without standalone mode, ctx.exit(n) comes back as n
        except _UsageError as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":  # plain `odyssey`: the help, as asked
                typer.echo(exc.format_message())
                sys.exit(0)
            command = exc.ctx.command_path if exc.ctx is not None else "odyssey"
            typer.secho(f"error: {_one_line(exc.format_message()).rstrip('.')}; see `{command} --help`", fg="red", err=True)
            sys.exit(exc.exit_code)
        except _Abort:
            _say_interrupted("")
            sys.exit(130)
        except _Exit as exc:
            sys.exit(exc.exit_code)
        if code == 130 and not _SAID:  # typer turns a Ctrl-C before the command into a silent exit 130
            _say_interrupted("")
        sys.exit(code if isinstance(code, int) else 0)


_UsageError = typer.BadParameter.__mro__[1]  # click's UsageError, wherever this typer keeps click
_Abort = typer.Abort
_Exit = typer.Exit


_SAID: list[bool] = []


def _say_interrupted(message: str) -> None:
    """One line on stderr, written directly: Ctrl-C may land while a styled writer is set up."""
    _SAID.append(True)
    sys.stderr.write((message.strip() or "interrupted: nothing was written to the output path") + "\n")
    sys.stderr.flush()


def _one_line(text: str) -> str:
    return " ".join(text.split())


class _Command(TyperCommand):
    """Usage lines as people write them: ``odyssey render [OPTIONS] PATH.yaml`` (newer typer
    releases wrap required arguments in braces)."""

    def collect_usage_pieces(self, ctx: typer.Context) -> list[str]:  # type: ignore[override]
        return [p[1:-1] if p.startswith("{") and p.endswith("}") else p for p in super().collect_usage_pieces(ctx)]


def _ray_without_address(args: list[str]) -> list[str]:
    """``--ray`` takes an optional address: alone (last, before an option or the path file) it means "local"."""
    out = list(args)
    for i, arg in enumerate(out):
        following = out[i + 1] if i + 1 < len(out) else None
        if arg == "--ray" and (following is None or following.startswith("-") or following.endswith((".yaml", ".yml"))):
            out[i] = "--ray=local"
    return out


app = typer.Typer(
    cls=_Group,
    name="odyssey",
    help="Render films of a generative model's latent space from YAML path files.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: option text such as [ray] is printed as written
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"odyssey {__version__}")
        raise typer.Exit()


@app.callback(epilog="Start with:  odyssey render paths/faces-loop.yaml   (every command has --help)")
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks instead of one-line errors.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """Render films of a generative model's latent space from YAML path files.

    Path files are YAML (examples in paths/); every mistake is one line naming the file, the field and the fix.
    """


for _command, _name, _short in [
    (render.render, "render", "Render a path file to a video or a folder of PNG frames (resumable)."),
    (render.join, "join", "Join the segments of a sharded render into its output."),
    (inspect.check, "check", "Validate a path file; print the plan, how it moves, what a render would do."),
    (inspect.plan, "plan", "Save the exact latent trajectory a render draws (.npy)."),
    (inspect.preview, "preview", "A contact sheet of a path's keyframes and evenly spaced frames."),
    (inspect.seeds, "seeds", "A labelled contact sheet of a model's seeds, to choose keyframes from."),
    (explore.explore, "explore", "A studio in the browser: pick seeds, draw a path, preview, export, render."),
    (models.models, "models", "List the bundled models, or describe any checkpoint file."),
    (models.convert, "convert", "Convert a StyleGAN pickle to odyssey's .safetensors (no pickle needed again)."),
    (models.schema, "schema", "Print the JSON schema of path files (for editor completion)."),
    (train.train_vae, "train-vae", "Train a VAE on a folder of images; render paths through it."),
]:
    app.command(_name, short_help=_short, cls=_Command)(_command)
