"""Decode a soundtrack with the bundled ffmpeg: samples for analysis, arguments for muxing.

No audio library is needed to read or to mux: imageio-ffmpeg's binary decodes wav, mp3,
flac, ogg/opus, m4a/aac and more. Analysis reads a mono float32 excerpt at 22050 Hz
(``decode_mono``); the output file's soundtrack is cut from the source by ffmpeg itself
at the join (``mux_input_args``), to exactly ``frames / fps`` seconds, to the sample.

Times are seconds on the source file's clock; an excerpt ``[start, start + seconds)`` is
the film's time line ``[0, seconds)``.
"""

from __future__ import annotations

import re
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np

from odyssey.errors import ConfigError
from odyssey.writers.ffmpeg import find_ffmpeg, first_cause

ANALYSIS_RATE = 22050  # Hz: librosa's default; music features need nothing above 11 kHz
MUX_RATE = 48000  # Hz: Opus runs at 48 kHz only, and AAC is at home there
MAX_SECONDS = 6 * 3600.0  # a soundtrack longer than six hours is a mistake, not a film
_DURATION = re.compile(r"Duration:\s*(\d+):(\d\d):(\d\d(?:\.\d+)?)")


def _where(file: Path, field: str) -> None:
    if not file.is_file():
        what = "is a folder" if file.is_dir() else "does not exist"
        raise ConfigError(f"{field}: {file} {what}; give a sound file (wav, mp3, flac, ogg, m4a)")


def decode_mono(file: Path, start: float = 0.0, seconds: float | None = None, rate: int = ANALYSIS_RATE, field: str = "audio.file") -> np.ndarray:
    """Samples (n,) float32 in [-1, 1] of ``file`` from ``start`` for ``seconds`` (None: to the end), mono at ``rate``."""
    _where(file, field)
    command = [find_ffmpeg(), "-hide_banner", "-nostdin", "-v", "error", "-ss", f"{start:.6f}"]
    if seconds is not None:
        command += ["-t", f"{seconds:.6f}"]
    command += ["-i", str(file), "-vn", "-sn", "-dn", "-ac", "1", "-ar", str(rate), "-f", "f32le", "-"]
    limit = int((seconds if seconds is not None else MAX_SECONDS) * rate * 4) + (1 << 16)
    try:
        done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, check=False)
    except OSError as exc:
        raise ConfigError(f"{field}: cannot run ffmpeg to decode {file} ({exc})") from None
    if done.returncode != 0:
        cause = first_cause(done.stderr.decode("utf-8", "replace")) or "it printed nothing"
        raise ConfigError(f"{field}: ffmpeg cannot decode {file} as sound ({cause}); give a wav, mp3, flac, ogg or m4a file")
    if len(done.stdout) > limit:
        raise ConfigError(f"{field}: {file} is longer than {MAX_SECONDS / 3600:g} hours; give an excerpt with audio.duration")
    samples = np.frombuffer(done.stdout[: len(done.stdout) // 4 * 4], dtype="<f4").astype(np.float32)
    return np.nan_to_num(samples, nan=0.0, posinf=1.0, neginf=-1.0)


def source_seconds(file: Path, field: str = "audio.file") -> float:
    """The length of ``file`` in seconds, as ffmpeg reports it (decoding the whole file if it cannot say)."""
    _where(file, field)
    command = [find_ffmpeg(), "-hide_banner", "-nostdin", "-i", str(file)]
    done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace", check=False)
    match = _DURATION.search(done.stderr)
    if match and "Audio:" in done.stderr:
        hours, minutes, secs = match.groups()
        return int(hours) * 3600 + int(minutes) * 60 + float(secs)
    if "Audio:" not in done.stderr:
        cause = first_cause(done.stderr.split("\n", 1)[-1]) if "Invalid data" in done.stderr else "it has no audio stream"
        raise ConfigError(f"{field}: ffmpeg finds no sound in {file} ({cause}); give a wav, mp3, flac, ogg or m4a file")
    return decode_mono(file, field=field).size / ANALYSIS_RATE


def excerpt_samples(frames: int, fps: Fraction, rate: int = MUX_RATE) -> int:
    """Samples of a soundtrack exactly as long as ``frames`` at ``fps``: round(frames / fps * rate)."""
    return round(Fraction(frames) / Fraction(fps) * rate)


def mux_input_args(file: Path, start: float) -> list[str]:
    """ffmpeg input options for the soundtrack, seeking exactly (decoded, not by packets) to ``start``."""
    return ["-accurate_seek", "-ss", f"{start:.6f}", "-i", str(file)]


def mux_filter(samples: int, rate: int = MUX_RATE) -> str:
    """An audio filter giving exactly ``samples`` at ``rate``, stereo: cut the rest, pad with silence if short."""
    return f"aresample={rate},aformat=channel_layouts=stereo,apad,atrim=end_sample={samples}"


AUDIO_CODECS = {"mp4": ["-c:a", "aac", "-b:a", "192k"], "webm": ["-c:a", "libopus", "-b:a", "160k"]}


def mux_output_args(format: str, frames: int, fps: Fraction, input_index: int = 1) -> list[str]:
    """ffmpeg output options that add input ``input_index``'s sound, ``frames / fps`` s long, to an MP4 (AAC) or WebM (Opus)."""
    if format not in AUDIO_CODECS:
        raise ConfigError(f"audio: {format.upper()} files carry no sound; render to .mp4 or .webm to hear it")
    samples = excerpt_samples(frames, fps)
    return ["-map", f"{input_index}:a:0", "-af", mux_filter(samples), "-ar", str(MUX_RATE), *AUDIO_CODECS[format]]
