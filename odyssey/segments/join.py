"""Join a render's finished segments into its output, verify the result, move it into place.

* **MP4 / WebM**: ffmpeg's concat demuxer with ``-c copy`` (no re-encoding, so no quality
  lost and seconds for an hour of video). The list is written from the plan, never from a
  folder listing (``seg_10`` sorts before ``seg_2`` in some tools, and a stray file must
  not join), each file with its planned ``duration`` so no container's rounding moves
  later segments. The MP4 gets ``+faststart`` here, once, on the final file. A soundtrack
  (``manifest.extra["audio"]``) is cut from its source and encoded here, once, for the
  whole film (AAC in MP4, Opus in WebM): exactly ``frames / fps`` long from frame 0, so
  segmented, resumed, sharded and Ray renders are in sync like a one-piece render.
* **GIF**: the lossless FFV1 segments, concatenated in plan order, pass through the GIF
  palette filter in one pass, exactly as the one-pass writer would see the frames.
* **PNG**: every segment's frames (already numbered by global index) are hard-linked into
  one folder (copied where links are not possible), so the segments stay intact until the
  joined folder is in place.

Before joining, every segment is checked again (``verify``) and against the others
(``odd_segments``); a segment that fails is deleted, with a message saying to render it
again. The joined file is written in the work folder, checked strictly (count, timestamps,
ffmpeg's own warnings while joining, ``+faststart``) and only then renamed onto the output.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from odyssey.audio import AUDIO_CODECS, mux_input_args, mux_output_args
from odyssey.errors import OdysseyError, SegmentError
from odyssey.segments.encode import verify_segment
from odyssey.segments.encoding import Encoding
from odyssey.segments.manifest import Manifest, Workspace
from odyssey.segments.plan import Segment, describe_indices
from odyssey.segments.verify import (
    PacketLog,
    check_faststart,
    check_joined,
    check_png_folder,
    odd_segments,
    read_packets,
)
from odyssey.writers.ffmpeg import find_ffmpeg, run_ffmpeg
from odyssey.writers.gif import PALETTE_FILTER
from odyssey.writers.png import FRAME_PATTERN
from odyssey.writers.provenance import metadata_args, stamp_folder, stamp_gif
from odyssey.writers.staging import (
    check_frames_folder,
    move_file_into_place,
    move_folder_into_place,
    remove_quietly,
    temp_sibling,
)


def segment_media(workspace: Workspace, manifest: Manifest, encoding: Encoding) -> dict[int, Path]:
    """Where each planned segment lives, by index."""
    return {segment.index: workspace.path / encoding.segment_name(segment.name) for segment in manifest.plan()}


def missing_message(manifest: Manifest, missing: list[int], source: str) -> str:
    """Which segments are not finished, and the command that renders them."""
    plan = manifest.plan()
    first = plan[missing[0]]
    where = f"segment{'s' if len(missing) > 1 else ''} {describe_indices(missing)} of {len(plan)} (first: frames {first.start}-{first.end - 1})"
    how = f"odyssey render {source}" if source else "odyssey render with the same path file and options"
    return f"{where} {'are' if len(missing) > 1 else 'is'} not finished; render {'them' if len(missing) > 1 else 'it'} with `{how}` (it renders only what is missing, then joins) or the missing --shard runs"


def join_segments(workspace: Workspace, manifest: Manifest, encoding: Encoding, source: str = "") -> Path:
    """Check every segment, join them into the output, verify, move into place; returns the output.

    Nothing is written at the output path unless the joined result passed every check.
    """
    plan = manifest.plan()
    media = segment_media(workspace, manifest, encoding)
    finished = workspace.finished(plan, media)
    missing = [segment.index for segment in plan if segment.index not in finished]
    if missing:
        raise SegmentError(f"{manifest.output}: {missing_message(manifest, missing, source)}")
    workspace.clear_partials()  # leftovers of killed runs; nobody renders this render any more
    _recheck(workspace, plan, media, encoding, manifest, source)
    output = Path(manifest.output)
    if encoding.format == "png":
        _join_frames(workspace, plan, media, output, manifest.frames, manifest.key)
    else:
        _join_video(workspace, plan, media, encoding, output, manifest.frames, manifest.key, _soundtrack(manifest))
    return output


def _soundtrack(manifest: Manifest) -> dict | None:
    """The manifest's soundtrack ({file, start}), checked to be readable here; None without one."""
    sound = manifest.extra.get("audio")
    if not sound:
        return None
    if not Path(sound["file"]).is_file():
        raise SegmentError(f"{manifest.output}: the soundtrack {sound['file']} is not here to mux; put it back (or join on the machine that has it)")
    return sound


def _recheck(workspace: Workspace, plan: list[Segment], media: dict[int, Path], encoding: Encoding, manifest: Manifest, source: str) -> None:
    """Verify every segment again, and that all were encoded alike; drop those that fail."""
    logs: dict[int, PacketLog] = {}
    failed: dict[int, str] = {}
    for segment in plan:
        try:
            log = verify_segment(media[segment.index], segment, encoding)
            if log is not None:
                logs[segment.index] = log
        except OdysseyError as exc:
            failed[segment.index] = str(exc)
    failed.update({i: f"{plan[i].describe()} differs from the others: {why}" for i, why in odd_segments(logs).items()})
    if failed:
        for index in failed:
            workspace.forget(plan[index], media[index])
        first = failed[min(failed)]
        raise SegmentError(
            f"{manifest.output}: {len(failed)} segment(s) failed verification and were removed ({first}); "
            + missing_message(manifest, sorted(failed), source)
        )


def _join_video(
    workspace: Workspace, plan: list[Segment], media: dict[int, Path], encoding: Encoding, output: Path, frames: int, key: str, soundtrack: dict | None
) -> None:
    listing = workspace.path / "concat.txt"
    lines = ["ffconcat version 1.0"]
    for segment in plan:
        lines += [f"file '{media[segment.index].name}'", f"duration {_seconds(segment.frames, encoding)}"]
    try:
        listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
    except OSError as exc:
        raise SegmentError(f"cannot write {listing} ({exc.strerror or exc}); check the disk space") from None
    staged = temp_sibling(workspace.path / f"joined{output.suffix}", "partial", output.suffix)
    command = [find_ffmpeg(), "-hide_banner", "-nostdin", "-v", "warning", "-f", "concat", "-i", str(listing)]
    sound = soundtrack if encoding.format in AUDIO_CODECS else None
    if sound is not None:
        command += mux_input_args(Path(sound["file"]), float(sound["start"]))
    if encoding.format == "gif":  # one pass of per-frame palettes over all frames; cfr at the plan's rate
        command += ["-lavfi", PALETTE_FILTER, "-r", encoding.rate, "-fps_mode", "cfr", "-loop", "0"]
    else:
        command += ["-map", "0:v:0", "-c:v", "copy"]
    if sound is not None:  # cut from the source here, once: exactly frames / fps long, from frame 0
        command += mux_output_args(encoding.format, frames, encoding.fps)
    if encoding.format == "mp4":
        command += ["-video_track_timescale", str(encoding.timescale), "-movflags", "+faststart"]
    if encoding.format in ("mp4", "webm"):
        command += metadata_args(key)  # which render made it (odyssey.writers.provenance)
    command += ["-fflags", "+bitexact", "-f", encoding.format, str(staged)]
    try:
        join_log = run_ffmpeg(command, output)
        what = f"the joined {output.name}"
        check_joined(read_packets(staged), frames, encoding.fps, join_log, what)
        if encoding.format == "mp4":
            check_faststart(staged)
        if encoding.format == "gif":
            stamp_gif(staged, key)
        move_file_into_place(staged, output)
    finally:
        remove_quietly(staged)


def _join_frames(workspace: Workspace, plan: list[Segment], media: dict[int, Path], output: Path, frames: int, key: str) -> None:
    check_frames_folder(output)
    staged = temp_sibling(workspace.path / output.name, "partial")
    try:
        staged.mkdir()
        for segment in plan:
            for index in range(segment.start, segment.end):
                name = FRAME_PATTERN % index
                _link_or_copy(media[segment.index] / name, staged / name)
        check_png_folder(staged, 0, frames, f"the joined {output.name}")
        stamp_folder(staged, key)
        check_frames_folder(output)  # again: files may have been added meanwhile
        move_folder_into_place(staged, output)
    except OSError as exc:
        raise SegmentError(f"cannot join the frames into {output} ({exc.strerror or exc}); check the disk space") from None
    finally:
        remove_quietly(staged)


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _seconds(frames: int, encoding: Encoding) -> str:
    """``frames / fps`` in seconds, exact to the microsecond (plan lengths are whole milliseconds)."""
    micro = round(frames * 1_000_000 / encoding.fps)
    return f"{micro // 1_000_000}.{micro % 1_000_000:06d}"
