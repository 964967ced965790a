"""Soundtracks: decode with the bundled ffmpeg, analyse with librosa (the ``audio`` extra).

* ``decode``: samples of an excerpt for analysis; the ffmpeg arguments that mux an
  excerpt of exactly ``frames / fps`` seconds into the output at the join;
* ``features``: ``AudioFeatures`` (onsets full/low/high band, percussive and harmonic
  parts, loudness, chroma, beats, tempo, sections), sampled at librosa's frame rate;
* ``soundtrack``: the excerpt a path file names, and its features from a cache.

Layer 3 (beside the adapters): it uses the writers' ffmpeg and knows nothing of models,
paths or plans. Laying features on film frames is pure math in ``odyssey.paths.envelope``.
"""

from odyssey.audio.decode import (
    ANALYSIS_RATE,
    AUDIO_CODECS,
    MUX_RATE,
    decode_mono,
    excerpt_samples,
    mux_filter,
    mux_input_args,
    mux_output_args,
    source_seconds,
)
from odyssey.audio.features import INSTALL_HINT, PITCH_CLASSES, SIGNALS, AudioFeatures, analyse
from odyssey.audio.soundtrack import Excerpt, excerpt, features

__all__ = [
    "ANALYSIS_RATE", "AUDIO_CODECS", "INSTALL_HINT", "MUX_RATE", "PITCH_CLASSES", "SIGNALS", "AudioFeatures", "Excerpt", "analyse",
    "decode_mono", "excerpt", "excerpt_samples", "features", "mux_filter", "mux_input_args", "mux_output_args", "source_seconds",
]  # fmt: skip
