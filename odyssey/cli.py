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
from odyssey.train.options import TrainOptions


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
        except KeyboardInterrupt as exc:  # a segmented render's says what it keeps (odyssey.segments.Interrupted)
            click.secho(str(exc) or "interrupted: nothing was written to the output path", fg="yellow", err=True)
            ctx.exit(130)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:  # type: ignore[override]
        return super().parse_args(ctx, _ray_without_address(args))


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
TrustOption = Annotated[
    bool,
    typer.Option("--trust-pickle", help="Load a StyleGAN .pkl by unpickling it with its own code: RUNS CODE FROM THE FILE (needs NVIDIA's code on PYTHONPATH). Only for files you trust."),
]

SegmentSecondsOption = Annotated[
    Optional[float],
    typer.Option("--segment-seconds", min=0.001, help="Seconds of video per segment (default: segment_seconds in the file, 30). Finished segments are kept, so a rerun resumes."),
]
KeepOption = Annotated[bool, typer.Option("--keep-segments", help="Keep the work folder of segments after the verified join.")]


def _segment_override(seconds: Optional[float]) -> list[str]:
    return [f"segment_seconds={seconds}"] if seconds is not None else []


def _overrides(set_: Optional[list[str]], trust_pickle: bool = False) -> list[str]:
    """--set items, plus what --trust-pickle means in path-file terms."""
    return [*(set_ or ()), *(["model.options.trust_pickle=true"] if trust_pickle else [])]


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
    trust_pickle: TrustOption = False,
    segment_seconds: SegmentSecondsOption = None,
    shard: Annotated[
        Optional[str],
        typer.Option("--shard", metavar="K/N", help="Render only shard K of N (K from 0; segment i belongs to shard i mod N), e.g. on Slurm --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT; then run `odyssey join`."),
    ] = None,
    ray: Annotated[
        Optional[str],
        typer.Option("--ray", metavar="[ADDRESS]", help="Render the segments on a Ray cluster: at ADDRESS (auto, HOST:6379, ray://HOST:10001), or alone to start one here. Needs pip install 'odyssey[ray]'; ray.init takes seconds."),
    ] = None,
    ray_workers: Annotated[Optional[int], typer.Option("--ray-workers", min=1, help="Ray workers (default: one per GPU; without GPUs one per 2 CPUs).")] = None,
    keep_segments: KeepOption = False,
) -> None:
    """Render a path file to a video (MP4, WebM, GIF) or a folder of PNG frames.

    The render is made in segments kept beside the output (renders/.odyssey-work/): run the
    same command again after a crash or Ctrl-C and it resumes where it stopped.
    """
    overrides = _overrides(set_, trust_pickle) + _segment_override(segment_seconds)
    log = None if quiet else (lambda message: click.secho(message, fg="yellow", err=True))
    report = api.render_segments(
        path_file, overrides, out, shard=shard, ray=ray, ray_workers=ray_workers, keep_segments=keep_segments, progress=not quiet, log=log
    )
    if quiet:
        return
    if report.joined:
        typer.echo(f"wrote {report.output}")
        return
    typer.echo(f"shard {shard}: rendered {len(report.rendered)} segment(s); {report.finished} of {report.segments} are finished in {report.work}")
    if report.finished == report.segments:
        typer.echo(f"all segments are finished: join them with `odyssey join {path_file}` (with the same --set/--out)")


@app.command()
def join(
    source: Annotated[Path, typer.Argument(help="The render's path file (give the same --set/--out as its render), or the manifest.json in its work folder.", show_default=False)],
    out: OutOption = None,
    set_: SetOption = None,
    segment_seconds: SegmentSecondsOption = None,
    keep_segments: KeepOption = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on success.")] = False,
) -> None:
    """Join the segments of a render made with --shard into its output, and verify it (no model is loaded)."""
    output = api.join_file(source, _overrides(set_) + _segment_override(segment_seconds), out, keep_segments=keep_segments)
    if not quiet:
        typer.echo(f"wrote {output}")


@app.command()
def check(
    path_file: PathFile,
    set_: SetOption = None,
    out: OutOption = None,
    json_: JsonOption = False,
    plot: Annotated[Optional[Path], typer.Option("--plot", help="Also draw latent speed, image speed and latent norm over time into this PNG.")] = None,
    trust_pickle: TrustOption = False,
) -> None:
    """Validate a path file and print the plan (model, frames, legs, output) and how it moves."""
    job = api.load_job(path_file, _overrides(set_, trust_pickle), out)
    report = api.plot_motion(job, plot) if plot is not None else None
    summary = api.summarize(job, report)
    if json_:
        typer.echo(json.dumps(summary, indent=2))
        return
    model = summary["model"]
    classes = f", classes: {', '.join(model['classes'])}" if model["classes"] else ""
    typer.echo(f"{summary['path_file']}: ok")
    typer.echo(f"  model     {model['name']} ({model['family']}, {model['resolution'][1]}x{model['resolution'][0]}, latent {model['latent_shape']}{classes})")
    typer.echo(f"  path      {summary['keyframes']} keyframes, {summary['interpolation']}, easing {summary['easing']}, {'loop' if summary['loop'] else 'no loop'}")
    legs = ", ".join(f"{leg['type']} {leg['frames'][0]}-{leg['frames'][1]}" for leg in summary["legs"])
    typer.echo(f"  legs      {legs}")
    typer.echo(f"  frames    {summary['frames']} at {summary['fps']:g} fps = {summary['seconds']:g} s")
    whole = summary["diagnostics"]["path"]
    motion = f"mean step {whole['mean_step']:.3g}, max {whole['max_step']:.3g}, speed CV {whole['speed_cv'] if whole['speed_cv'] is None else round(whole['speed_cv'], 3)}"
    if whole.get("seam_ratio") is not None:
        motion += f", seam ratio {whole['seam_ratio']:.3f}"
    if "norm_mean_ratio" in whole:
        motion += f", norm {whole['norm_mean_ratio']:.3f} sqrt(D) (min {whole['norm_min_ratio']:.3f})"
    typer.echo(f"  motion    {motion}")
    if plot is not None:
        typer.echo(f"  plot      {plot}")
    typer.echo(f"  output    {summary['output']} ({summary['format']}, {summary['size'][0]}x{summary['size'][1]})")


@app.command()
def plan(
    path_file: PathFile,
    latents: Annotated[Path, typer.Option("--latents", help="Where to save the trajectory (.npy), shape (T, *latent_shape), float32.")],
    set_: SetOption = None,
    trust_pickle: TrustOption = False,
) -> None:
    """Save the exact latent trajectory that `render` would draw (in the path's space: z, w or w+)."""
    job = api.load_job(path_file, _overrides(set_, trust_pickle), check_output=False)
    array = job.trajectory.latents().numpy().astype(np.float32)
    api.save_array(latents, array)
    typer.echo(f"wrote {latents} {tuple(array.shape)}")


@app.command()
def preview(
    path_file: PathFile,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="PNG file (default: renders/<name>-preview.png).")] = None,
    frames: Annotated[int, typer.Option("--frames", "-n", min=1, max=256, help="Evenly spaced frames besides the keyframes.")] = 12,
    set_: SetOption = None,
    trust_pickle: TrustOption = False,
) -> None:
    """Write a contact sheet PNG of the keyframes and evenly spaced frames."""
    output = api.preview_file(path_file, _overrides(set_, trust_pickle), out, frames=frames)
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
def convert(
    source: Annotated[Path, typer.Argument(help="An NVIDIA StyleGAN2-ADA / StyleGAN3 network pickle (.pkl).", show_default=False)],
    target: Annotated[Path, typer.Argument(help="The odyssey file to write (.safetensors).", show_default=False)],
    key: Annotated[str, typer.Option("--key", help="Which network of the pickle: G_ema (the one to render), G.")] = "G_ema",
) -> None:
    """Convert a StyleGAN pickle to odyssey's .safetensors: no pickle (and no code) needed to load it again."""
    info = api.convert_checkpoint(source, target, key=key)
    typer.echo(f"wrote {target} ({info.description})")


@app.command()
def schema() -> None:
    """Print the JSON schema of path files (for editor completion and validation)."""
    typer.echo(json.dumps(api.path_file_schema(), indent=2))


_VAE = TrainOptions()


@app.command("train-vae")
def train_vae(
    images_dir: Annotated[Path, typer.Argument(help="Folder of training images (PNG, JPEG, ...; subfolders too).", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="The model file to write each epoch, e.g. checkpoints/mine.safetensors.")],
    resolution: Annotated[int, typer.Option("--resolution", "-r", help="Square size in px: 32, 64, 128 or 256.")] = _VAE.resolution,
    gray: Annotated[bool, typer.Option("--gray/--rgb", help="Grayscale (1 channel) or RGB.")] = _VAE.grayscale,
    latent: Annotated[int, typer.Option("--latent", help="Latent size (z dimensions).")] = _VAE.latent_dim,
    beta: Annotated[float, typer.Option("--beta", help="KL weight after warm-up (1 = standard VAE).")] = _VAE.beta,
    epochs: Annotated[int, typer.Option("--epochs", "-e", help="Epochs in all (with --resume: up to this many).")] = _VAE.epochs,
    batch_size: Annotated[int, typer.Option("--batch-size", "-b")] = _VAE.batch_size,
    lr: Annotated[float, typer.Option("--lr", help="Adam learning rate.")] = _VAE.lr,
    seed: Annotated[int, typer.Option("--seed", help="Seed for weights, split, batches, noise: same seed, same model.")] = _VAE.seed,
    device: Annotated[str, typer.Option("--device", help="auto | cpu | cuda | mps")] = _VAE.device,
    flip: Annotated[bool, typer.Option("--flip/--no-flip", help="Random horizontal flips.")] = _VAE.flip,
    val_split: Annotated[float, typer.Option("--val-split", help="Fraction of images held out for validation.")] = _VAE.val_split,
    loss: Annotated[str, typer.Option("--loss", help="Reconstruction loss: mse | l1 | bce.")] = _VAE.loss,
    kl_warmup: Annotated[float, typer.Option("--kl-warmup", help="Epochs over which the KL weight ramps up from 0.")] = _VAE.kl_warmup,
    clip: Annotated[float, typer.Option("--clip", help="Gradient-norm clipping.")] = _VAE.clip,
    width: Annotated[int, typer.Option("--width", help="Channels of the first layer (doubling per level).")] = _VAE.width,
    amp: Annotated[bool, typer.Option("--amp/--no-amp", help="Mixed precision on CUDA.")] = _VAE.amp,
    samples: Annotated[Optional[Path], typer.Option("--samples", help="Folder for the per-epoch PNGs (default: next to --out, NAME-epochs/).")] = None,
    meta: Annotated[Optional[list[str]], typer.Option("--meta", metavar="KEY=VALUE", help="Model metadata: name, description, source, licence.")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue the run saved at --out (repeat its options; raise --epochs).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Train a VAE on a folder of images, then render paths through it (model: the --out file)."""
    fields = dict(item.partition("=")[::2] for item in meta or [])
    if set(fields) - {"name", "description", "source", "licence"}:
        raise typer.BadParameter("give --meta as name=..., description=..., source=... or licence=...", param_hint="--meta")
    try:
        result = api.train_vae(
            images_dir, out, resume=resume, progress=not quiet, resolution=resolution, grayscale=gray, latent_dim=latent,
            beta=beta, epochs=epochs, batch_size=batch_size, lr=lr, seed=seed, device=device, flip=flip, val_split=val_split,
            loss=loss, kl_warmup=kl_warmup, clip=clip, width=width, amp=amp, samples_dir=str(samples) if samples else None, **fields,
        )
    except KeyboardInterrupt:
        click.secho(f"interrupted: {out} keeps the last finished epoch, if one finished; go on with --resume", fg="yellow", err=True)
        raise typer.Exit(130) from None
    last = result.history[-1] if result.history else {}
    loss_text = f", val loss {last['val_loss']:.4g}" if "val_loss" in last else ""
    typer.echo(f"wrote {result.model} ({result.epochs} epochs, {result.step} steps{loss_text}) in {result.seconds:.0f} s; sheets in {result.samples}")


# Typer turns `set_` / `json_` / `format_` into --set-/--json-; the explicit names above win.
def main() -> None:
    """Console entry point."""
    app(prog_name="odyssey")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
