"""A soundtrack excerpt, its length, and its features from a cache or a fresh analysis.

``excerpt(file, start, duration)`` measures the part of the file a film uses (the film
lasts exactly as long); ``features(track, cache_dir)`` returns its ``AudioFeatures``,
analysed once and kept as ``.npz`` in the cache folder, keyed by the file's bytes, the
excerpt and the analysis settings, so ``odyssey check``, ``plan`` and ``render`` of one
path file analyse the track once.
"""

from __future__ import annotations

import hashlib
import logging
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from odyssey.audio.decode import ANALYSIS_RATE, decode_mono, source_seconds
from odyssey.audio.features import HOP, N_FFT, N_MELS, AudioFeatures, analyse
from odyssey.errors import ConfigError
from odyssey.models.checkpoint import sha256_file

log = logging.getLogger("odyssey")
ANALYSIS_VERSION = 1  # bump when features change, so old cache entries are not reused


@dataclass(frozen=True)
class Excerpt:
    """The part of ``file`` a film plays: ``[start, start + seconds)`` of the file's clock."""

    file: Path
    start: float
    seconds: float
    sections: int | None = None  # how many sections the analysis looks for (None: by length)


def excerpt(file: Path, start: float = 0.0, duration: float | None = None, sections: int | None = None) -> Excerpt:
    """The excerpt a path file's ``audio:`` names; ConfigError when it lies outside the file."""
    total = source_seconds(file)
    if start >= total:
        raise ConfigError(f"audio.start: {start:g} s is past the end of {file.name} ({total:.3f} s long); start earlier")
    seconds = total - start if duration is None else duration
    if start + seconds > total + 1e-6:
        raise ConfigError(
            f"audio.duration: {file.name} is {total:.3f} s long, so an excerpt from {start:g} s lasts at most {total - start:.3f} s; "
            "shorten it (or leave audio.duration out to play to the end)"
        )
    return Excerpt(file, float(start), float(seconds), sections)


def _cache_key(track: Excerpt) -> str:
    recipe = f"{sha256_file(track.file)}|{track.start:.6f}|{track.seconds:.6f}|{track.sections}|{ANALYSIS_RATE}|{HOP}|{N_FFT}|{N_MELS}|v{ANALYSIS_VERSION}"
    return hashlib.sha256(recipe.encode()).hexdigest()[:24]


def features(track: Excerpt, cache_dir: Path | None = None) -> AudioFeatures:
    """Features of ``track``: read from ``cache_dir`` if analysed before, else analysed (and cached)."""
    file = None if cache_dir is None else cache_dir / f"audio-{_cache_key(track)}.npz"
    if file is not None and file.is_file():
        try:
            return _read(file)
        except (OSError, ValueError, KeyError, zipfile.BadZipFile):
            pass  # a damaged entry is analysed again
    began = time.perf_counter()
    log.info(f"analysing {track.seconds:.1f} s of {track.file.name} (onsets, beats, sections, chroma; cached afterwards)")
    samples = decode_mono(track.file, track.start, track.seconds)
    result = analyse(samples, ANALYSIS_RATE, track.sections)
    log.info(f"analysed {track.file.name} in {time.perf_counter() - began:.1f} s: {result.tempo:.1f} BPM, {len(result.beat_times)} beats, {len(result.section_times) + 1} sections")
    if file is not None:
        _write(file, result)
    return result


def _write(file: Path, result: AudioFeatures) -> None:
    arrays = {f"signal_{name}": value for name, value in result.signals.items()}
    arrays.update(chroma=result.chroma, beat_times=result.beat_times, section_times=result.section_times)
    arrays.update(scalars=np.array([result.frame_rate, result.seconds, result.tempo]))
    temp = file.with_name(f".{file.name}.partial.npz")
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        np.savez(temp, **arrays)
        temp.replace(file)
    except OSError:
        temp.unlink(missing_ok=True)  # no cache: analysed again next time, same result


def _read(file: Path) -> AudioFeatures:
    with np.load(file, allow_pickle=False) as data:
        frame_rate, seconds, tempo = (float(v) for v in data["scalars"])
        signals = {name[len("signal_") :]: data[name] for name in data.files if name.startswith("signal_")}
        return AudioFeatures(frame_rate, seconds, signals, data["chroma"], data["beat_times"], tempo, data["section_times"])
