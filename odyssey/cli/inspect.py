"""``odyssey check``, ``plan``, ``preview`` and ``seeds``: look before a long render."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from odyssey.cli.options import JsonOption, OutOption, PathFile, SetOption, TrustOption, notes, overrides, shown


def check(
    path_file: PathFile,
    set_: SetOption = None,
    out: OutOption = None,
    json_: JsonOption = False,
    plot: Annotated[Optional[Path], typer.Option("--plot", metavar="PNG", help="Also draw latent speed, image speed and latent norm over time into this PNG.")] = None,
    trust_pickle: TrustOption = False,
) -> None:
    """Validate a path file and print the plan (model, frames, legs, output), how it moves, and what
    a render would do here (device, encoder, output); anything a render would fail on fails here."""
    notes()
    from odyssey import api

    summary = api.check_file(path_file, overrides(set_, trust_pickle), out, plot=plot)
    if json_:
        typer.echo(json.dumps(summary, indent=2))
        return
    model, render = summary["model"], summary["render"]
    classes = f", classes: {', '.join(model['classes'])}" if model["classes"] else ""
    typer.echo(f"{summary['path_file']}: ok")
    typer.echo(f"  model     {model['name']} ({model['family']}, {model['resolution'][1]}x{model['resolution'][0]}, latent {model['latent_shape']}{classes})")
    typer.echo(f"  path      {summary['keyframes']} keyframes, {summary['interpolation']}, easing {summary['easing']}, {'loop' if summary['loop'] else 'no loop'}")
    legs = ", ".join(f"{leg['type']} {leg['frames'][0]}-{leg['frames'][1]}" for leg in summary["legs"])
    typer.echo(f"  legs      {legs}")
    typer.echo(f"  frames    {summary['frames']} at {summary['fps']:g} fps = {summary['seconds']:g} s")
    sound = summary.get("audio")
    if sound:
        follows = ", ".join(sound["follows"]) or "nothing (muxed only)"
        placed = f", keyframes on {len(sound['keyframes_on_events'])} events" if sound["keyframes_on_events"] else ""
        tempo = f", {sound['tempo']:g} BPM" if sound["tempo"] else ""
        typer.echo(f"  audio     {shown(sound['file'])} from {sound['start']:g} s for {sound['seconds']:g} s{tempo}{placed}; follows {follows}")
    whole = summary["diagnostics"]["path"]
    cv = whole["speed_cv"] if whole["speed_cv"] is None else round(whole["speed_cv"], 3)
    motion = f"mean step {whole['mean_step']:.3g}, max {whole['max_step']:.3g}, speed CV {cv}"
    if whole.get("seam_ratio") is not None:
        motion += f", seam ratio {whole['seam_ratio']:.3f}"
    if "norm_mean_ratio" in whole:
        motion += f", norm {whole['norm_mean_ratio']:.3f} sqrt(D) (min {whole['norm_min_ratio']:.3f})"
    if summary["diagnostics"].get("measured_every"):
        motion += f" (measured on every {summary['diagnostics']['measured_every']}th frame)"
    typer.echo(f"  motion    {motion}")
    typer.echo(f"  render    {render['device']}, {render['precision']}, batches of {render['batch_size']}, {render['encoder']}")
    if plot is not None:
        typer.echo(f"  plot      {shown(plot)}")
    typer.echo(f"  output    {shown(summary['output'])} ({summary['format']}, {summary['size'][0]}x{summary['size'][1]})")
    for line in summary["notes"]:
        typer.echo(f"  note      {line}")


def plan(
    path_file: PathFile,
    latents: Annotated[Path, typer.Option("--latents", metavar="OUT.npy", help="Where to save the trajectory (.npy), shape (T, *latent_shape), float32.")],
    set_: SetOption = None,
    trust_pickle: TrustOption = False,
) -> None:
    """Save the exact latent trajectory that `render` would draw (in the path's space: z, w or w+)."""
    notes()
    from odyssey import api

    target, shape = api.save_latents(path_file, overrides(set_, trust_pickle), latents)
    typer.echo(f"wrote {shown(target)} {shape}")


def preview(
    path_file: PathFile,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", metavar="PNG", help="PNG file (default: renders/NAME-preview.png).")] = None,
    frames: Annotated[int, typer.Option("--frames", "-n", metavar="N", min=1, max=256, help="Evenly spaced frames besides the keyframes.")] = 12,
    set_: SetOption = None,
    trust_pickle: TrustOption = False,
) -> None:
    """Write a contact sheet PNG of the keyframes (labelled with their seeds) and evenly spaced frames."""
    notes()
    from odyssey import api

    output = api.preview_file(path_file, overrides(set_, trust_pickle), out, frames=frames)
    typer.echo(f"wrote {shown(output)}")


def seeds(
    model: Annotated[str, typer.Argument(metavar="MODEL", help="A bundled model name (see `odyssey models`) or a checkpoint file.", show_default=False)],
    seeds_: Annotated[str, typer.Argument(metavar="[SEEDS]", help="Seeds: a range 0-63, a list 3,10-12,40.")] = "0-15",
    out: Annotated[Optional[Path], typer.Option("--out", "-o", metavar="PNG", help="PNG file (default: renders/seeds-MODEL-FIRST-LAST.png).")] = None,
    truncation: Annotated[float, typer.Option("--truncation", "-t", metavar="PSI", help="Truncation psi, as a path file's 'truncation:' (1 = none).")] = 1.0,
    class_: Annotated[Optional[str], typer.Option("--class", "-c", metavar="NAME", help="Class (name or index) for a conditional model.")] = None,
    size: Annotated[Optional[int], typer.Option("--size", metavar="PX", min=8, max=1024, help="Tile width in pixels (default: the model's, at most 128).")] = None,
    columns: Annotated[Optional[int], typer.Option("--columns", metavar="N", min=1, max=64, help="Tiles per row (default: a square grid).")] = None,
) -> None:
    """A contact sheet of a model's seeds, each tile labelled: pick the seeds for your keyframes.

    The tiles are the pictures these seeds give as keyframes (seed N in a path file, with the
    same truncation and class), e.g. odyssey seeds dcgan-faces 0-63, then keyframes: [11, 24, 58].
    """
    notes()
    from odyssey import api

    output = api.seed_sheet(model, seeds_, out, truncation=truncation, class_=class_, size=size, columns=columns)
    typer.echo(f"wrote {shown(output)}")
