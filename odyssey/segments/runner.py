"""Orchestrating a segmented render: key, work folder, resume, render here or on Ray, join.

``render_segments`` is what ``odyssey render`` runs (through ``odyssey.api``):

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
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Callable

from tqdm import tqdm

from odyssey.config import OdysseyConfig
from odyssey.errors import OdysseyError, SegmentError
from odyssey.models.base import Generator
from odyssey.pipeline import share_cpu
from odyssey.renderer import Renderer, RenderSettings, output_size
from odyssey.segments.encode import encode_segment, finish_segment
from odyssey.segments.encoding import Encoding, pinned_encoding
from odyssey.segments.join import join_segments, segment_media
from odyssey.segments.key import RenderKey, changed_parts, render_key
from odyssey.segments.manifest import Manifest, Workspace, read_manifest
from odyssey.segments.plan import Segment, plan_segments, shard_segments
from odyssey.trajectory import Trajectory
from odyssey.writers import output_format
from odyssey.writers.staging import remove_quietly

Loader = Callable[[], tuple[Generator, Trajectory, RenderSettings]]
Log = Callable[[str], None]


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a segmented render; the message says what is kept and how to resume."""


@dataclass
class SegmentReport:
    """What a segmented render did."""

    output: Path
    work: Path
    segments: int
    finished: int
    rendered: list[int] = field(default_factory=list)
    joined: bool = False


class RenderSession:
    """One render's encoding, key and work folder, known from its config before any model loads."""

    def __init__(self, config: OdysseyConfig, output: Path, source: str = "") -> None:
        video = config.video
        self.config = config
        self.output = output
        self.source = source
        self.encoding: Encoding = pinned_encoding(
            output_format(output), config.fps, crf=video.crf, preset=video.preset, codec=video.codec, threads=video.threads
        )
        self.key: RenderKey = render_key(config, self.encoding)
        self.workspace = Workspace(output, self.key.digest)

    def retire_stale(self, log: Log, *, remove: bool = True) -> None:
        """Say what changed since work folders of this output were made with another key, and
        remove them -- unless this is one shard of several (``remove=False``): shards leave
        them to the join, so two machines that disagree (an ``auto`` codec resolved two ways,
        say) cannot delete each other's work."""
        for folder in self.workspace.stale():
            try:
                old = read_manifest(folder / "manifest.json")
            except SegmentError:
                old = None
            what = changed_parts(old.parts, self.key.parts) if old else "the render's settings"
            count = len(list(folder.glob("seg_*.json")))
            if remove:
                log(f"{what} changed since the segments in {folder} were rendered: starting afresh (removed {count} finished segment(s))")
                remove_quietly(folder)
            else:
                log(f"{what} changed since the segments in {folder} were rendered: this shard starts afresh; `odyssey join` removes them")

    def manifest_for(self, trajectory: Trajectory, size: tuple[int, int], channels: int) -> Manifest:
        segments = plan_segments(trajectory.num_frames, self.encoding.fps, self.config.segment_seconds)
        return Manifest(
            key=self.key.digest, parts=self.key.parts, output=str(self.output), format=self.encoding.format,
            fps=self.encoding.rate, frames=trajectory.num_frames, width=size[0], height=size[1], channels=channels,
            segments=[(s.start, s.end) for s in segments], encoding=self.encoding.describe(),
        )  # fmt: skip

    def finished(self, manifest: Manifest) -> set[int]:
        return self.workspace.finished(manifest.plan(), segment_media(self.workspace, manifest, self.encoding))

    def resume_note(self, manifest: Manifest | None) -> str:
        """``"3 of 12 segments are finished and kept in WORK; run the same command to resume"``."""
        if manifest is None:
            return ""
        done = len(self.finished(manifest))
        if not done:
            return ""
        return f"{done} of {len(manifest.segments)} segments are finished and kept in {self.workspace.path}: run the same command to resume"


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
    """Render (the unfinished part of) a session, then join unless it is one shard of several."""
    say = log or (lambda message: None)
    workspace = session.workspace
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
            manifest = session.manifest_for(trajectory, size, generator.info.channels)
            workspace.write_manifest(manifest)
            done = session.finished(manifest)
            todo = [s for s in shard_segments(manifest.plan(), shard) if s.index not in done]
            if done and todo:
                say(f"resuming: {len(done)} of {len(manifest.segments)} segments are already finished in {workspace.path}")
            if todo:
                _render(session, manifest, generator, trajectory, settings, todo, shard, ray, ray_workers, progress, say)
            rendered = [s.index for s in todo]
        finished = len(session.finished(manifest))
        report = SegmentReport(session.output, workspace.path, len(manifest.segments), finished, rendered)
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
    """After a failure before anything was planned (the model did not load, say), leave no empty
    work folder behind. Shards never do this: another may be about to write its manifest there."""
    if manifest is None and shard is None:
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
            from odyssey.segments.ray_runner import render_on_ray

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
    renderer = Renderer(generator, settings)
    with share_cpu(renderer.device) as share:
        for segment in todo:
            workspace.clear_partials(segment)
            media = encode_segment(renderer, trajectory, segment, session.encoding, workspace.path, on_written, share)
            finish_segment(workspace, segment, session.encoding, media)


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
