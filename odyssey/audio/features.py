"""Music features of a soundtrack, with librosa: what the film can follow.

``analyse(samples, rate)`` -> ``AudioFeatures``: signals sampled ``frame_rate`` times a
second (librosa frames of ``HOP`` samples; value i is at time ``i / frame_rate``), plus
event times in seconds. One STFT feeds everything; harmonic/percussive separation runs
on the mel spectrogram (128 bands instead of 1025 bins: the median filters cost an
eighth), which is what the envelopes need.

Signals (all >= 0; ``odyssey.paths.envelope`` lays them on film frames and normalises):

* ``onsets``: onset strength, full band (spectral flux of the log-mel spectrogram);
* ``bass`` / ``treble``: onset strength below 150 Hz (kick drums) / above 2 kHz
  (snares, hats, claps);
* ``percussive``: onset strength of the percussive part (after HPSS);
* ``harmonic``: loudness (RMS of the mel energy) of the harmonic part: pads, chords, voice;
* ``rms``: loudness of the whole signal;
* ``beats``: a pulse at each beat (1 on the beat's frame, 0 elsewhere);
* ``chroma``: (12, T) energy per pitch class C, C#, ..., B.

Events: ``beat_times`` (librosa's dynamic-programming beat tracker over ``onsets``),
``tempo`` (BPM), ``section_times`` (boundaries between sections: agglomerative clustering
of chroma and timbre over time, the start excluded).

librosa is an optional extra (``pip install 'odyssey[audio]'``), imported only here and
only when an analysis runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

import numpy as np

from odyssey.errors import ConfigError

HOP = 512
N_FFT = 2048
N_MELS = 128
BASS_HZ, TREBLE_HZ = 150.0, 2000.0
SIGNALS = ("onsets", "bass", "treble", "percussive", "harmonic", "rms", "beats")
INSTALL_HINT = "music analysis needs librosa: pip install 'odyssey[audio]'"
PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


@dataclass(frozen=True)
class AudioFeatures:
    """Features of one excerpt: ``signals[name]`` (T,), ``chroma`` (12, T), events in seconds."""

    frame_rate: float  # signal values per second
    seconds: float  # length of the excerpt analysed
    signals: dict[str, np.ndarray]
    chroma: np.ndarray
    beat_times: np.ndarray
    tempo: float
    section_times: np.ndarray

    def signal(self, name: str) -> np.ndarray:
        if name not in self.signals:
            raise ConfigError(f"unknown feature {name!r}; follow one of {', '.join(SIGNALS)}")
        return self.signals[name]

    def bar_times(self, beats_per_bar: int) -> np.ndarray:
        """Every ``beats_per_bar``-th beat, from the first: bar lines, taking the first beat as a downbeat."""
        return self.beat_times[::beats_per_bar]


def librosa_module() -> ModuleType:
    """librosa, or a ConfigError naming the extra that brings it."""
    try:
        import librosa
    except ImportError:
        raise ConfigError(INSTALL_HINT) from None
    return librosa


def analyse(samples: np.ndarray, rate: int, sections: int | None = None) -> AudioFeatures:
    """Mono ``samples`` (n,) at ``rate`` Hz -> features; ``sections``: how many (default: one per ~20 s, 2 to 12)."""
    librosa = librosa_module()
    samples = np.asarray(samples, dtype=np.float32)
    seconds = samples.size / rate
    if samples.size < N_FFT:
        samples = np.pad(samples, (0, N_FFT - samples.size))
    power = np.abs(librosa.stft(samples, n_fft=N_FFT, hop_length=HOP)) ** 2  # (1 + N_FFT/2, T)
    mel_basis = librosa.filters.mel(sr=rate, n_fft=N_FFT, n_mels=N_MELS)
    mel = mel_basis @ power  # (N_MELS, T)
    harmonic, percussive = librosa.decompose.hpss(mel)
    log_mel = librosa.power_to_db(mel, ref=np.max)
    onsets = librosa.onset.onset_strength(S=log_mel, sr=rate, hop_length=HOP)
    centres = librosa.mel_frequencies(n_mels=N_MELS, fmax=rate / 2)
    bass_bins = max(1, int(np.searchsorted(centres, BASS_HZ)))
    treble_bin = min(N_MELS - 1, int(np.searchsorted(centres, TREBLE_HZ)))
    bands = librosa.onset.onset_strength_multi(S=log_mel, sr=rate, hop_length=HOP, channels=[0, bass_bins, treble_bin, N_MELS])
    percussive_onsets = librosa.onset.onset_strength(S=librosa.power_to_db(percussive, ref=np.max(mel)), sr=rate, hop_length=HOP)
    frames = power.shape[1]
    tempo, beat_frames = _beats(librosa, onsets, rate)
    pulses = np.zeros(frames)
    pulses[np.clip(beat_frames, 0, frames - 1)] = 1.0
    chroma = librosa.feature.chroma_stft(S=power, sr=rate, n_fft=N_FFT, hop_length=HOP, tuning=0.0)  # (12, T), A = 440 Hz
    signals = {
        "onsets": onsets,
        "bass": bands[0],
        "treble": bands[2],
        "percussive": percussive_onsets,
        "harmonic": np.sqrt(harmonic.mean(axis=0)),
        "rms": np.sqrt(power.sum(axis=0) * 2 / N_FFT**2),  # Parseval: the frame's RMS, up to the window's gain
        "beats": pulses,
    }
    signals = {name: _fit(np.nan_to_num(np.asarray(value, dtype=np.float64)), frames) for name, value in signals.items()}
    if power.sum() == 0:  # digital silence: nothing to follow (librosa's dB scale would invent texture)
        signals = {name: np.zeros(frames) for name in signals}
        chroma, beat_frames, tempo = np.zeros_like(chroma), np.zeros(0, dtype=np.int64), 0.0
    frame_rate = rate / HOP
    return AudioFeatures(
        frame_rate=frame_rate, seconds=seconds, signals=signals, chroma=np.nan_to_num(chroma).astype(np.float64),
        beat_times=np.asarray(beat_frames, dtype=np.float64) / frame_rate, tempo=tempo,
        section_times=_sections(librosa, log_mel, chroma, seconds, frame_rate, sections) if power.sum() > 0 else np.zeros(0),
    )  # fmt: skip


def _fit(values: np.ndarray, frames: int) -> np.ndarray:
    """``values`` cut or padded (with its last value) to ``frames``, and >= 0."""
    values = values[:frames] if values.size >= frames else np.pad(values, (0, frames - values.size), mode="edge")
    return np.clip(values, 0.0, None)


def _beats(librosa: ModuleType, onsets: np.ndarray, rate: int) -> tuple[float, np.ndarray]:
    tempo, beats = librosa.beat.beat_track(onset_envelope=onsets, sr=rate, hop_length=HOP, units="frames", trim=False)  # trim drops quiet verses whole
    return float(np.atleast_1d(tempo)[0]), np.asarray(beats, dtype=np.int64)


def _sections(librosa: ModuleType, log_mel: np.ndarray, chroma: np.ndarray, seconds: float, frame_rate: float, count: int | None) -> np.ndarray:
    """Section boundaries (s), the start excluded: clusters of similar chroma and timbre in time order."""
    if count is None:
        count = int(np.clip(round(seconds / 20.0), 2, 12))
    mfcc = librosa.feature.mfcc(S=log_mel, n_mfcc=13)  # (13, T): timbre
    stacked = np.vstack([librosa.util.normalize(mfcc, axis=1), chroma])  # (25, T)
    step = max(1, int(round(frame_rate / 4)))  # a quarter-second grid is fine enough for sections
    coarse = stacked[:, ::step]
    if coarse.shape[1] <= count:
        return np.zeros(0)
    bounds = librosa.segment.agglomerative(coarse, count)  # first index is 0
    return np.asarray(bounds[1:], dtype=np.float64) * step / frame_rate
