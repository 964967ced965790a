"""``odyssey check``: everything a render of a path file would do, checked without rendering.

The plan and how it moves (``odyssey.plan.summary``), how the renderer would run here
(device, precision, batch size: a device that is not here fails now, as the render would),
the pinned encoder, and what is at the output path (nothing, this render already, or
another file that the render would refuse to replace without ``--force``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from odyssey.config.loading import PathFile, source_name
from odyssey.errors import RenderError
from odyssey.plan.job import load_job, name_errors
from odyssey.plan.summary import plot_motion, summarize
from odyssey.renderer.frames import padded_inner_size
from odyssey.renderer.generate import describe_render
from odyssey.segments.session import RenderSession, command_source
from odyssey.writers.provenance import read_stamp


def check_file(path_file: PathFile, overrides: Sequence[str] = (), output: str | Path | None = None, *, plot: str | Path | None = None) -> dict:
    """``summarize``'s report plus ``render`` (device, precision, batch size, encoder) and ``notes``,
    things worth knowing before a long render. Raises what the render would raise."""
    job = load_job(path_file, overrides, output)
    report = plot_motion(job, plot) if plot is not None else None
    summary = summarize(job, report)
    try:
        render = describe_render(job.generator, job.settings)
    except RenderError as exc:
        raise name_errors(source_name(path_file), exc) from None
    session = RenderSession(job.config, job.output, command_source(source_name(path_file), overrides, output))
    render["encoder"] = session.encoding.summary()
    summary["render"] = render
    summary["notes"] = _notes(job.generator.info.resolution, job.config.fit, tuple(render["size"]), session)
    if job.generator.info.channels == 4:
        keeps = session.encoding.format == "png"
        summary["notes"].append(
            "the model draws RGBA: " + ("the PNG frames keep its alpha" if keeps else f"{session.encoding.format} has no alpha, so frames are composited over black (PNG frames keep it)")
        )
    return summary


def _notes(resolution: tuple[int, int], fit: str, size: tuple[int, int], session: RenderSession) -> list[str]:
    notes = []
    height, width = resolution
    inner = padded_inner_size((width, height), size)
    if inner != size:
        bars = "left and right" if inner[0] < size[0] else "top and bottom"
        effect = {
            "pad": f"the whole {width}x{height} picture, scaled to {inner[0]}x{inner[1]}, with black bars {bars}",
            "crop": f"the picture fills the frame; its {'top and bottom' if inner[0] < size[0] else 'sides'} are cut",
            "stretch": "the picture is stretched to the frame (distorted)",
        }[fit]
        notes.append(f"size {size[0]}x{size[1]} has another aspect than the model's {width}x{height}: fit {fit}, {effect}")
    output = session.output
    if output.exists():
        if read_stamp(output) == session.key.digest:
            notes.append(f"{output} is already this render: `odyssey render` has nothing to do (--force renders it again)")
        else:
            notes.append(f"{output} exists and is not this render: `odyssey render` keeps it unless given --force")
    elif session.workspace.exists():
        notes.append(f"{len(session.finished(session.workspace.read_manifest()))} segment(s) of this render are finished in {session.workspace.path}: `odyssey render` resumes")
    return notes
