"""``odyssey render`` and ``odyssey join``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from odyssey.cli.options import (
    ForceOption, KeepOption, OutOption, PathFile, QuietOption, SegmentSecondsOption, SetOption, TrustOption, note, notes,
    overrides, shown, size_text,
)


def render(
    path_file: PathFile,
    out: OutOption = None,
    set_: SetOption = None,
    quiet: QuietOption = False,
    force: ForceOption = False,
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
    ray_workers: Annotated[Optional[int], typer.Option("--ray-workers", metavar="N", min=1, help="Ray workers (default: one per GPU; without GPUs one per 2 CPUs).")] = None,
    keep_segments: KeepOption = False,
) -> None:
    """Render a path file to a video (MP4, WebM, GIF) or a folder of PNG frames.

    The output goes to 'output:' in the file, or --out, or renders/NAME.mp4 in the current
    folder; an existing output that this render did not make is kept unless --force. The
    render is made in segments kept beside the output (renders/.odyssey-work/): run the same
    command again after a crash or Ctrl-C and it resumes where it stopped.
    """
    notes(quiet)
    items = overrides(set_, trust_pickle, segment_seconds)
    if not quiet:  # the cheap checks, in milliseconds, before torch loads; then say what is happening
        from odyssey.config import load_config
        from odyssey.config.run_options import check_run_options
        from odyssey.writers import check_output

        check_run_options(shard, ray, ray_workers)
        _, output = load_config(path_file, items, out)
        check_output(output)
        note(f"rendering {shown(path_file)} to {shown(output)}")
    from odyssey import api

    report = api.render_segments(
        path_file, items, out, shard=shard, ray=ray, ray_workers=ray_workers, keep_segments=keep_segments, force=force,
        progress=not quiet, log=None if quiet else note,
    )  # fmt: skip
    if report.up_to_date:
        typer.echo(f"{shown(report.output)} is already this render (nothing changed); --force renders it again")
    elif report.joined:
        typer.echo(f"wrote {shown(report.output)} ({report.frames} frames, {size_text(report.output)})")
    else:
        typer.echo(f"shard {shard}: rendered {len(report.rendered)} segment(s); {report.finished} of {report.segments} are finished in {shown(report.work)}")
        if report.finished == report.segments:
            typer.echo(f"all segments are finished: join them with `odyssey join {path_file}` (with the same --set/--out)")


def join(
    source: Annotated[Path, typer.Argument(metavar="PATH.yaml|manifest.json", help="The render's path file (give the same --set/--out as its render), or the manifest.json in its work folder.", show_default=False)],
    out: OutOption = None,
    set_: SetOption = None,
    segment_seconds: SegmentSecondsOption = None,
    keep_segments: KeepOption = False,
    force: ForceOption = False,
    quiet: QuietOption = False,
) -> None:
    """Join the segments of a render made with --shard into its output, and verify it (no model is loaded)."""
    notes(quiet)
    from odyssey import api

    output = api.join_file(source, overrides(set_, segment_seconds=segment_seconds), out, keep_segments=keep_segments, force=force)
    typer.echo(f"wrote {shown(output)} ({size_text(output)})")
