"""Synthetic soundtracks whose answers are known: clicks at given times, pure tones, silence."""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import numpy as np

from odyssey.writers.ffmpeg import find_ffmpeg

RATE = 44100


def clicks(times: list[float], seconds: float, rate: int = RATE) -> np.ndarray:
    """Short decaying 1 kHz bursts starting exactly at ``times`` (s): (n,) float in [-1, 1]."""
    out = np.zeros(int(round(seconds * rate)))
    burst = np.sin(2 * np.pi * 1000 * np.arange(int(0.03 * rate)) / rate) * np.exp(-np.arange(int(0.03 * rate)) / (0.005 * rate))
    for t in times:
        at = int(round(t * rate))
        out[at : at + burst.size] += burst[: max(0, out.size - at)]
    return 0.9 * out / max(np.abs(out).max(), 1e-12)


def tone(freq: float, seconds: float, rate: int = RATE) -> np.ndarray:
    t = np.arange(int(round(seconds * rate))) / rate
    return 0.5 * np.sin(2 * np.pi * freq * t)


def write_wav(path: Path, samples: np.ndarray, rate: int = RATE) -> Path:
    """16-bit mono PCM WAV (the stdlib writes it; any decoder reads it)."""
    pcm = np.clip(np.round(np.asarray(samples) * 32767), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(pcm.tobytes())
    return path


def decoded_audio(file: Path, rate: int = 48000) -> np.ndarray:
    """The first audio stream of ``file`` as mono float samples at ``rate`` (ffmpeg applies edit lists and pre-skip)."""
    command = [find_ffmpeg(), "-v", "error", "-i", str(file), "-map", "0:a:0", "-ac", "1", "-ar", str(rate), "-f", "f32le", "-"]
    return np.frombuffer(subprocess.run(command, capture_output=True, check=True).stdout, dtype="<f4")


def has_audio(file: Path) -> bool:
    done = subprocess.run([find_ffmpeg(), "-hide_banner", "-i", str(file)], capture_output=True, text=True)
    return "Audio:" in done.stderr


def first_onset(samples: np.ndarray, rate: int = 48000, threshold: float = 0.2) -> float:
    """Seconds to the first sample louder than ``threshold`` of the peak."""
    level = np.abs(samples)
    return float(np.flatnonzero(level > threshold * level.max())[0]) / rate
