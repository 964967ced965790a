"""Orchestrating a segmented render: key, work folder, resume, render here or on Ray, join.

``render_path_file`` is what ``odyssey render`` runs (through ``odyssey.api``), and
``join_path_file`` what ``odyssey join`` runs. ``render_segments`` does the work:

1. From the path file alone (no model yet): the output format's pinned ``Encoding``, the
   render's key and its work folder. Work folders of the same output with another key
   are removed, with a note saying what changed ("starting afresh").
2. If this run's segments (all, or a ``--shard``'s) are finished, nothing loads. Else the
   model loads, the path is planned, the manifest is written (every process writes the
   same bytes), and the unfinished segments are rendered in plan order, here or as Ray
   tasks, each verified and recorded as soon as it is done.
3. Without ``--shard``, the segments are joined and verified into the output, and the
   work folder is removed (unless ``keep_segments``).

A failure keeps the finished segments: typed errors get a note saying how many are kept
and that the same command resumes; Ctrl-C becomes ``Interrupted`` (a KeyboardInterrupt)
carrying the same note.
"""

from __future__ import annotations

import sys
from fractions import Fraction
from pathlib import Path
from typing import Callable, Sequence

from tqdm import tqdm

from odyssey.config import RenderSettings, frame_channels, load_config, output_size
from odyssey.config.loading import PathFile, source_name
from odyssey.config.run_options import check_run_options
from odyssey.errors import OdysseyError, RenderError, SegmentError
from odyssey.models.base import Generator
from odyssey.plan.job import check_output_for, load_job, name_errors
from odyssey.renderer.generate import check_settings
from odyssey.plan.trajectory import Trajectory
from odyssey.segments.encode import SegmentEncoder, finish_segment
from odyssey.segments.encoding import Encoding
from odyssey.audio import AUDIO_CODECS
from odyssey.segments.join import join_segments
from odyssey.segments.lock import render_lock
from odyssey.segments.manifest import Manifest, Workspace, read_manifest
from odyssey.segments.plan import Segment, shard_segments
from odyssey.segments.ray_runner import render_on_ray
from odyssey.segments.session import (
    Interrupted,
    Log,
    RenderSession,
    SegmentReport,
    command_source,
)
from odyssey.writers.staging import remove_quietly

Loader = Callable[[], tuple[Generator, Trajectory, RenderSettings]]


def render_path_file(
    path_file: PathFile,
    overrides: Sequence[str] = (),
    output: str | Path | None = None,
    *,
    shard: str | tuple[int, int] | None = None,
    ray: str | None = None,
    ray_workers: int | None = None,
    keep_segments: bool = False,
    force: bool = False,
    progress: bool = True,
    log: Log | None = None,
) -> SegmentReport:
    """``odyssey render``: a path file rendered in segments, resuming a render interrupted before.

    The path file is validated and the output checked before the model loads (in
    ``load``, only if some segment is still to be rendered). An existing output that this
    render did not make is refused unless ``force``; one it made is reported up to date
    (``SegmentReport.up_to_date``) and not rendered again unless ``force``. ``path_file``
    may be a dict of the same structure. See ``render_segments``.
    """
    shard = check_run_options(shard, ray, ray_workers)
    config, out_path = load_config(path_file, list(overrides), output)
    check_output_for(source_name(path_file), out_path)
    try:
        check_settings(RenderSettings.from_config(config))
    except RenderError as exc:  # a device that is not here: before the model loads, naming the file
        raise name_errors(source_name(path_file), exc) from None
    session = RenderSession(config, out_path, command_source(source_name(path_file), overrides, output))
    up_to_date = session.claim_output(force)
    if up_to_date is not None:
        return up_to_date

    def load() -> tuple[Generator, Trajectory, RenderSettings]:
        job = load_job(path_file, overrides, output)
        return job.generator, job.trajectory, job.settings

    return render_segments(session, load, shard=shard, ray=ray, ray_workers=ray_workers, keep_segments=keep_segments, progress=progress, log=log)


def join_path_file(
    source: str | Path, overrides: Sequence[str] = (), output: str | Path | None = None, *, keep_segments: bool = False, force: bool = False
) -> Path:
    """``odyssey join``: join the finished segments of a render into its output; returns the output.

    ``source`` is the render's path file (with the same overrides and output as its
    ``render`` runs) or the ``manifest.json`` in its work folder. No model is loaded. A
    SegmentError names any segment that is missing or fails verification.
    """
    source = Path(source)
    if source.suffix == ".json":
        workspace, manifest, encoding = session_from_manifest(source)
        return join_manifest(workspace, manifest, encoding, keep_segments=keep_segments)
    config, out_path = load_config(source, list(overrides), output)
    check_output_for(str(source), out_path)
    session = RenderSession(config, out_path, command_source(source, overrides, output))
    if session.claim_output(force) is not None:
        return session.output
    with render_lock(session.output):
        return join_session(session, keep_segments=keep_segments)


def render_segments(
    session: RenderSession,
    load: Loader,
    *,
    shard: tuple[int, int] | None = None,
    ray: str | None = None,
    ray_workers: int | None = None,
    keep_segments: bool = False,
    progress: bool = True,
    log: Log | None = None,
) -> SegmentReport:
    """Render (the unfinished part of) a session, then join unless it is one shard of several.

    Holds the output's lock meanwhile (``odyssey.segments.lock``): shared for a shard,
    exclusive otherwise, so two renders of one output never run at once."""
    with render_lock(session.output, shared=shard is not None):
        return _render_locked(session, load, shard, ray, ray_workers, keep_segments, progress, log)


def _render_locked(
    session: RenderSession,
    load: Loader,
    shard: tuple[int, int] | None,
    ray: str | None,
    ray_workers: int | None,
    keep_segments: bool,
    progress: bool,
    log: Log | None,
) -> SegmentReport:
    say = log or (lambda message: None)
    workspace = session.workspace
    if session.config.audio is not None and session.encoding.format not in AUDIO_CODECS:
        say(f"note: {session.encoding.format.upper()} output carries no sound; the film is timed to {Path(session.config.audio.file).name} (render to .mp4 or .webm to hear it)")
    manifest: Manifest | None = None
    try:
        workspace.create()
        session.retire_stale(say, remove=shard is None)
        manifest = workspace.read_manifest()
        mine = shard_segments(manifest.plan(), shard) if manifest else None
        rendered: list[int] = []
        if manifest is None or not set(s.index for s in mine or []) <= session.finished(manifest):
            generator, trajectory, settings = load()
            size = output_size(generator.info, settings.size)
            manifest = session.manifest_for(trajectory, size, frame_channels(generator.info.channels, session.encoding.format == "png"))
            workspace.write_manifest(manifest)
            done = session.finished(manifest)
            todo = [s for s in shard_segments(manifest.plan(), shard) if s.index not in done]
            if done and todo:
                say(f"resuming: {len(done)} of {len(manifest.segments)} segments are already finished in {workspace.path}")
            if todo:
                _render(session, manifest, generator, trajectory, settings, todo, shard, ray, ray_workers, progress, say)
            rendered = [s.index for s in todo]
        finished = len(session.finished(manifest))
        report = SegmentReport(session.output, workspace.path, len(manifest.segments), finished, rendered, frames=manifest.frames)
        if shard is None:
            join_manifest(workspace, manifest, session.encoding, keep_segments=keep_segments, source=session.source)
            report.joined = True
        return report
    except OdysseyError as exc:
        _tidy(session, manifest, shard)
        note = session.resume_note(manifest)
        if note:
            exc.args = (f"{exc}; {note}",)  # keep the error's type; its message gains the note
        raise
    except KeyboardInterrupt:
        _tidy(session, manifest, shard)
        note = session.resume_note(manifest)
        raise Interrupted(f"interrupted: nothing was written to {session.output}" + (f"; {note}" if note else "")) from None


def _tidy(session: RenderSession, manifest: Manifest | None, shard: tuple[int, int] | None) -> None:
    """After a failure before any segment was finished (the model did not load, the encoder
    refused its settings), leave no work folder behind: there is nothing in it to resume.
    Shards never do this: another may be about to write its manifest there."""
    if shard is None and (manifest is None or not session.finished(manifest)):
        session.workspace.remove()


def _render(
    session: RenderSession,
    manifest: Manifest,
    generator: Generator,
    trajectory: Trajectory,
    settings: RenderSettings,
    todo: list[Segment],
    shard: tuple[int, int] | None,
    ray: str | None,
    ray_workers: int | None,
    progress: bool,
    say: Log,
) -> None:
    """Render ``todo`` here or on Ray, under one progress bar over this run's share of the frames."""
    frames = sum(s.frames for s in shard_segments(manifest.plan(), shard))
    initial = frames - sum(s.frames for s in todo)
    bar = tqdm(total=frames, initial=initial, unit="frame", desc=session.output.name, file=sys.stderr, disable=not progress, dynamic_ncols=True)
    with bar:
        if ray is not None:
            render_on_ray(session, manifest, generator, trajectory, settings, todo, address=ray, workers=ray_workers, on_done=bar.update, log=say)
        else:
            render_here(session, generator, trajectory, settings, todo, on_written=bar.update)


def render_here(
    session: RenderSession,
    generator: Generator,
    trajectory: Trajectory,
    settings: RenderSettings,
    todo: list[Segment],
    on_written: Callable[[int], None] | None = None,
) -> None:
    """Render and finish ``todo`` in this process, in plan order, one segment after another."""
    workspace = session.workspace
    with SegmentEncoder(generator, trajectory, settings, session.encoding) as encoder:
        for segment in todo:
            workspace.clear_partials(segment)
            finish_segment(workspace, segment, session.encoding, encoder.encode(segment, workspace.path, on_written))


def join_session(session: RenderSession, *, keep_segments: bool = False) -> Path:
    """``odyssey join``: join a session's finished segments (SegmentError naming any missing)."""
    manifest = session.workspace.read_manifest()
    if manifest is None:
        stale = session.workspace.stale()
        hint = f" (the segments in {stale[0]} were made with other settings: the path file, model or encoder changed)" if stale else ""
        raise SegmentError(
            f"{session.output}: no segments of this render in {session.workspace.path}{hint}; "
            f"render them with `odyssey render {session.source or 'PATH.yaml'}` (or its --shard runs) first"
        )
    return join_manifest(session.workspace, manifest, session.encoding, keep_segments=keep_segments, source=session.source)


def join_manifest(workspace: Workspace, manifest: Manifest, encoding: Encoding, *, keep_segments: bool = False, source: str = "") -> Path:
    """Join, then remove the work folder (unless ``keep_segments``) and those of superseded renders."""
    output = join_segments(workspace, manifest, encoding, source)
    for folder in workspace.stale():
        remove_quietly(folder)
    if not keep_segments:
        workspace.remove()
    return output


def session_from_manifest(path: Path) -> tuple[Workspace, Manifest, Encoding]:
    """The work folder, manifest and encoding that a ``manifest.json`` describes."""
    manifest = read_manifest(path)
    if manifest is None:
        raise SegmentError(f"{path}: no such manifest; give the manifest.json in a render's work folder, or the path file")
    described = manifest.encoding
    encoding = Encoding(
        described["format"], described["container"], tuple(described["codec_args"]), Fraction(described["fps"]), described.get("timescale")
    )
    workspace = Workspace(Path(manifest.output), manifest.key)
    workspace.path = path.parent  # wherever the folder is now
    return workspace, manifest, encoding
