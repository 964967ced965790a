"""Make paths/music/drums-and-pad.ogg: 16 s of synthesised drums and a pad (CC0, made here).

120 BPM, 8 bars of 4/4. Bars 1-4: a kick on every beat under an A minor pad. Bars 5-8:
kick, a snare on beats 2 and 4, closed hi-hats on the off-beats, and the pad moves to
F major -- a second section. Everything is computed from the formulas below (sine
waves, decaying envelopes, seeded noise), so the clip is the same on every machine;
it is encoded to Opus with the ffmpeg that imageio-ffmpeg ships.

    python paths/music/make_clip.py            # rewrites drums-and-pad.ogg beside this file
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np

RATE = 48000
BPM = 120.0
BARS = 8
BEAT = 60.0 / BPM


def kick(rate: int) -> np.ndarray:
    t = np.arange(int(0.35 * rate)) / rate
    pitch = 45.0 + 90.0 * np.exp(-t / 0.04)  # a falling sine: the thump of a kick drum
    return np.sin(2 * np.pi * np.cumsum(pitch) / rate) * np.exp(-t / 0.12)


def snare(rate: int, noise: np.random.Generator) -> np.ndarray:
    t = np.arange(int(0.25 * rate)) / rate
    body = 0.4 * np.sin(2 * np.pi * 190.0 * t) * np.exp(-t / 0.05)
    return body + 0.7 * noise.standard_normal(t.size) * np.exp(-t / 0.07)


def hat(rate: int, noise: np.random.Generator) -> np.ndarray:
    t = np.arange(int(0.06 * rate)) / rate
    hiss = np.diff(noise.standard_normal(t.size + 1))  # differenced noise: mostly high frequencies
    return 0.25 * hiss * np.exp(-t / 0.015)


def pad(freqs: list[float], seconds: float, rate: int) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    tone = sum(np.sin(2 * np.pi * f * t) + 0.3 * np.sin(2 * np.pi * 2 * f * t) for f in freqs)
    fade = np.minimum(1.0, np.minimum(t, seconds - t) / 0.4)
    return 0.12 * tone * fade


def clip(rate: int = RATE) -> np.ndarray:
    """The clip as float samples (n,) in [-1, 1], mono."""
    noise = np.random.default_rng(20261205)
    total = int(BARS * 4 * BEAT * rate)
    out = np.zeros(total + rate)
    half = BARS * 4 * BEAT / 2
    out[: int(half * rate)] += pad([220.0, 261.63, 329.63], half, rate)  # A minor: A C E
    out[int(half * rate) : int(half * rate) + int(half * rate)] += pad([174.61, 220.0, 261.63], half, rate)  # F major: F A C
    for beat in range(BARS * 4):
        at = int(beat * BEAT * rate)
        hit = kick(rate)
        out[at : at + hit.size] += 0.9 * hit
        if beat >= BARS * 2:  # the second half: snare on 2 and 4, hats between beats
            if beat % 2 == 1:
                hit = snare(rate, noise)
                out[at : at + hit.size] += hit
            off = at + int(BEAT / 2 * rate)
            hit = hat(rate, noise)
            out[off : off + hit.size] += hit
    out = out[:total]
    return (0.8 * out / np.abs(out).max()).astype(np.float32)


def main() -> None:
    target = Path(__file__).with_name("drums-and-pad.ogg")
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-v", "error", "-y", "-f", "f32le", "-ar", str(RATE), "-ac", "1", "-i", "-",
        "-c:a", "libopus", "-b:a", "64k", "-ac", "2", "-fflags", "+bitexact", "-flags:a", "+bitexact", "-map_metadata", "-1", str(target),
    ]  # fmt: skip
    subprocess.run(command, input=clip().tobytes(), check=True)
    print(f"wrote {target} ({target.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
