"""One render's identity, known from its path file before any model loads.

A ``RenderSession`` holds what a segmented render is from its config alone: the output
format's pinned ``Encoding``, the render key (``key``) and the work folder named by it
(``manifest.Workspace``). Both ways of rendering the segments, here (``runner``) and on
Ray (``ray_runner``), take a session; neither imports the other's code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from odyssey.audio import AUDIO_CODECS
from odyssey.config import OdysseyConfig
from odyssey.errors import SegmentError, WriterError
from odyssey.plan.trajectory import Trajectory
from odyssey.segments.encoding import Encoding, pinned_encoding
from odyssey.segments.join import segment_media
from odyssey.segments.key import RenderKey, changed_parts, render_key
from odyssey.segments.manifest import Manifest, Workspace, read_manifest
from odyssey.segments.plan import plan_segments
from odyssey.writers import output_format
from odyssey.writers.provenance import read_stamp
from odyssey.writers.staging import remove_quietly

Log = Callable[[str], None]


def command_source(path_file: str | Path, overrides: Sequence[str] = (), output: str | Path | None = None) -> str:
    """The path file and options as a user would type them again, for messages."""
    words = [str(path_file), *(f"--set {item}" for item in overrides)]
    if output is not None:
        words.append(f"--out {output}")
    return " ".join(words)


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
    frames: int = 0
    up_to_date: bool = False  # the output already was this render: nothing was done


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

    def claim_output(self, force: bool = False) -> SegmentReport | None:
        """Before any work: may this render write its output? An output this render made (same key,
        untouched since) gives a report saying it is up to date (None with ``force``); any other
        file there is refused unless ``force``, so an earlier render is never replaced by mistake."""
        output = self.output
        if not output.exists() and not output.is_symlink():
            return None
        made_here = read_stamp(output) == self.key.digest
        if made_here and not force:
            return SegmentReport(output, self.workspace.path, 0, 0, joined=True, up_to_date=True)
        if not made_here and not force:
            kind = "folder" if output.is_dir() else "file"
            raise WriterError(
                f"{output} already exists and is not this render (a {kind} made earlier, with other settings or by "
                "something else); add --force to replace it, or choose another output with --out"
            )
        return None

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
            segments=[(s.start, s.end) for s in segments], encoding=self.encoding.describe(), extra=self._extra(trajectory),
        )  # fmt: skip

    def _extra(self, trajectory: Trajectory) -> dict:
        """The soundtrack the join muxes in: {file, start} (seconds on the file's clock)."""
        music = trajectory.music
        if music is None or self.encoding.format not in AUDIO_CODECS:
            return {}
        return {"audio": {"file": str(music.file), "start": music.start}}

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
