"""The music sections of a path file: ``audio:`` (the soundtrack) and ``react:`` (what follows it).

The film lasts as long as the audio excerpt; ``path.at`` places keyframes on musical
events, ``path.speed: {follow: ...}`` warps travel speed by an envelope, and ``react``
modulates truncation, StyleGAN noise, the radius of plane and direction legs, and the
class mix of conditional models, frame by frame. Envelopes follow one of the features
named in ``FOLLOW`` (see ``odyssey.audio.features``), with attack and decay in seconds.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field

from odyssey.config.fields import _Strict

Follow = Literal["onsets", "bass", "treble", "percussive", "harmonic", "rms", "beats"]
FOLLOW_HELP = (
    "The feature to follow: onsets (any hit), bass (kick drums, < 150 Hz), treble (snares and hats, > 2 kHz), "
    "percussive (drums, after harmonic/percussive separation), harmonic (pads, chords, voice: their loudness), "
    "rms (overall loudness), beats (a pulse on each beat)."
)
MAX_SECONDS = 6 * 3600.0
At = Union[Literal["beats", "bars", "sections"], list[Annotated[float, Field(ge=0, le=MAX_SECONDS)]]]


class AudioSpec(_Strict):
    """The soundtrack: muxed into MP4 (AAC) and WebM (Opus), analysed for ``react`` and ``path.at``."""

    file: str = Field(..., description="A sound file ffmpeg decodes: wav, mp3, flac, ogg, m4a... (relative to this file).")
    start: float = Field(0.0, ge=0, le=MAX_SECONDS, description="Start of the excerpt in the file, in seconds.")
    duration: float | None = Field(
        None, gt=0, le=MAX_SECONDS, description="Length of the excerpt in seconds (default: to the end of the file). The film lasts exactly as long."
    )
    beats_per_bar: int = Field(4, ge=1, le=16, description="Beats in a bar, for path.at: bars (bars start on the first beat).")
    sections: int | None = Field(None, ge=2, le=64, description="How many sections path.at: sections looks for (default: one per ~20 s, 2 to 12).")


class _Envelope(_Strict):
    follow: Follow = Field(..., description=FOLLOW_HELP)
    attack: float = Field(0.0, ge=0, le=10, description="Seconds the envelope takes to rise to a hit (0: at once).")
    decay: float = Field(0.25, ge=0, le=30, description="Seconds it takes to fall back after a hit (0: at once).")


class SpeedFollowSpec(_Envelope):
    """path.speed following the music: a monotone time warp of the whole path."""

    amount: float = Field(
        0.8, ge=0, le=1, description="0: even speed between anchors; 1: speed follows the envelope alone (still when it is silent). Keyframes stay on their frames."
    )


class TruncationReact(_Envelope):
    """Truncation psi pulsing with the music: psi + amount * envelope, clipped to [0, 2]."""

    amount: float = Field(0.2, ge=-2, le=2, description="Added to psi at the envelope's peak (negative: calmer on hits).")


class NoiseReact(_Envelope):
    """StyleGAN noise strength with the music: the learned strength times 1 + amount * envelope."""

    amount: float = Field(2.0, ge=0, le=20, description="Extra noise strength at the envelope's peak (1 + amount times the learned strength).")


class RadiusReact(_Envelope):
    """Plane legs' radius and direction legs' amount with the music: their offset times 1 + amount * envelope."""

    amount: float = Field(0.3, ge=-1, le=4, description="Extra radius at the envelope's peak, as a fraction (0.3: 30% wider).")


class ClassReact(_Strict):
    """Conditional models: pitch classes blend classes into the path's soft labels."""

    follow: Literal["chroma"] = Field("chroma", description="chroma: the energy of the 12 pitch classes C, C#, ... B.")
    classes: list[Union[str, int]] | None = Field(
        None, min_length=1, max_length=12,
        description="The class each pitch class brings in, C first (cycled when fewer than 12). Default: classes 0 to 11 of the model.",
    )  # fmt: skip
    amount: float = Field(0.5, ge=0, le=1, description="How much of the label is the music's blend: 0 none, 1 all.")
    attack: float = Field(0.05, ge=0, le=10, description="Seconds the blend takes to move toward new harmony.")
    decay: float = Field(0.5, ge=0, le=30, description="Seconds it takes to leave old harmony.")


EnvelopeSpec = Union[SpeedFollowSpec, TruncationReact, NoiseReact, RadiusReact]  # anything with follow, attack, decay


class ReactSpec(_Strict):
    """What follows the music frame by frame (each optional)."""

    truncation: TruncationReact | None = Field(None, description="psi pulses: {follow, amount, attack, decay}.")
    noise: NoiseReact | None = Field(None, description="StyleGAN2 / StyleGAN v1 noise strength: {follow, amount, attack, decay}.")
    radius: RadiusReact | None = Field(None, description="Circle, lissajous and polyline radius, direction amount: {follow, amount, attack, decay}.")
    class_: ClassReact | None = Field(None, alias="class", description="Conditional models: {follow: chroma, classes, amount}.")
