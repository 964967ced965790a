"""Music in a plan: the film's length from the soundtrack, keyframes on musical events,
the time warp and the per-frame reactions (``MusicTrack``).

Two steps around the path's assembly (``odyssey.plan.planner``):

1. ``prepare_music(config)`` before: the film lasts exactly as long as the audio excerpt
   (``floor(seconds * fps)`` frames; the muxed soundtrack is cut to ``frames / fps``), so
   ``path.duration`` is set from it. With ``path.at`` the keyframes are repeated in order
   until there is one per event (plus the start, and the end of a film that does not
   loop), laid evenly on the path's own frame axis.
2. ``music_track(...)`` after: anchors pin the warp -- each keyframe to its event's frame
   (``at``), or to its own frame -- and ``path.speed: {follow}`` lets the envelope set the
   pace between anchors (``odyssey.paths.warp``). ``react`` becomes per-frame arrays.

Envelopes: a feature laid on film frames (``max`` over a frame for hits, ``mean`` for
loudness), through an attack/decay follower, normalised to [0, 1]
(``odyssey.paths.envelope``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from odyssey import audio
from odyssey.config import ClassReact, Duration, EnvelopeSpec, OdysseyConfig, ReactSpec, SpeedFollowSpec
from odyssey.errors import ConfigError, PathError
from odyssey.models.base import Generator
from odyssey.paths import CompositePath, event_frames, follow, frame_envelope, keyframe_anchors, normalised, time_warp
from odyssey.plan.directions import cache_dir
from odyssey.plan.keyframes import resolve_class
from odyssey.plan.music_track import RADIUS_LEGS, MusicTrack

LEVEL_FEATURES = ("harmonic", "rms")  # averaged over a frame; the others (hits) keep their peak
MAX_ANALYSED_SECONDS = 30 * 60.0  # the analysis holds the excerpt's spectrogram in memory (about 0.5 GB per 5 minutes)


@dataclass(frozen=True)
class Music:
    """The soundtrack of a plan: its excerpt, film length, features (None if nothing follows them), events."""

    excerpt: audio.Excerpt
    frames: int
    features: audio.AudioFeatures | None
    events: tuple[int, ...] = ()  # film frames keyframes 1, 2, ... land on (path.at)


def _needs_features(config: OdysseyConfig) -> bool:
    react = config.react
    reacting = react is not None and any(getattr(react, name) is not None for name in ("truncation", "noise", "radius", "class_"))
    return reacting or config.path.at is not None or isinstance(config.path.speed, SpeedFollowSpec)


def _check_without_audio(config: OdysseyConfig) -> None:
    for field, used in (("path.at", config.path.at is not None), ("path.speed", isinstance(config.path.speed, SpeedFollowSpec)), ("react", config.react is not None)):
        if used:
            raise ConfigError(f"{field}: follows music, but the path file has no soundtrack; add audio: {{file: track.wav}} (or remove {field})")


def prepare_music(config: OdysseyConfig) -> tuple[OdysseyConfig, Music | None]:
    """The config with its length (and, with ``path.at``, its keyframes) set by the soundtrack."""
    if config.audio is None:
        _check_without_audio(config)
        return config, None
    spec, path = config.audio, config.path
    if path.duration is not None:
        raise ConfigError("path.duration: with audio the film lasts as long as the excerpt; remove path.duration (audio.duration sets the length)")
    track = audio.excerpt(Path(spec.file), spec.start, spec.duration, spec.sections)
    frames = math.floor(track.seconds * config.fps + 1e-9)
    if frames < 1:
        raise ConfigError(f"audio.duration: {track.seconds:g} s is shorter than one frame at {config.fps:g} fps; give a longer excerpt")
    needed = _needs_features(config)
    if needed and track.seconds > MAX_ANALYSED_SECONDS:
        raise ConfigError(
            f"audio.duration: the music analysis takes at most {MAX_ANALYSED_SECONDS / 60:g} minutes at once and this excerpt is "
            f"{track.seconds / 60:.1f}; give a shorter audio.duration (render a long set in parts), or drop react, path.at and speed: {{follow}}"
        )
    features = audio.features(track, cache_dir()) if needed else None
    updates: dict = {"duration": Duration(frames=frames)}
    events: list[int] = []
    if path.at is not None and features is not None:  # path.at always brings features
        events = event_frames(_event_times(config, features, track), config.fps, frames, path.loop, path.every)
        keys = _cycled_keyframes(config, len(events) + (1 if path.loop else 2))
        if events and path.keyframes is not None:
            updates["keyframes"] = keys
        elif events:  # one keyframes leg: the same path written as legs (the studio writes it so)
            updates["legs"] = [path.legs[0].model_copy(update={"keyframes": keys})]
    return config.model_copy(update={"path": path.model_copy(update=updates)}), Music(track, frames, features, tuple(events))


def _event_times(config: OdysseyConfig, features: audio.AudioFeatures, track: audio.Excerpt) -> list[float]:
    at = config.path.at
    if at == "beats":
        return features.beat_times.tolist()
    if at == "bars":
        return features.bar_times(config.audio.beats_per_bar).tolist() if config.audio else []
    if at == "sections":
        return features.section_times.tolist()
    times = list(at or [])
    for i, t in enumerate(times):
        if t >= track.seconds:
            raise ConfigError(f"path.at.{i}: {t:g} s is past the end of the soundtrack ({track.seconds:.3f} s); times count from audio.start")
    if times != sorted(times):
        raise ConfigError("path.at: list the times in order, earliest first")
    return times


def _cycled_keyframes(config: OdysseyConfig, count: int) -> list:
    """``count`` keyframes: the path's, repeated in order (each with its seed made explicit)."""
    path = config.path
    single = path.legs is not None and len(path.legs) == 1 and path.legs[0].type == "keyframes"
    if path.keyframes is None and not single:
        raise ConfigError("path.at: places the keyframes of path.keyframes (or of a path of one keyframes leg) on musical events; with more legs, give each leg its own durations instead")
    keys, field = (path.keyframes, "path.keyframes") if path.keyframes is not None else (path.legs[0].keyframes, "path.legs.0.keyframes")
    for i, key in enumerate(keys):
        if key.duration is not None:
            raise ConfigError(f"{field}.{i}.duration: with path.at the music times the moves; remove the duration")
    explicit = [k if (k.seed, k.vector, k.image) != (None, None, None) else k.model_copy(update={"seed": config.seed + i}) for i, k in enumerate(keys)]
    return [explicit[i % len(explicit)] for i in range(max(count, 1))]


def envelope(features: audio.AudioFeatures, spec: EnvelopeSpec, fps: float, frames: int) -> np.ndarray:
    """The envelope (frames,) in [0, 1] that ``spec`` ({follow, attack, decay}) asks for."""
    reduce = "mean" if spec.follow in LEVEL_FEATURES else "max"
    laid = frame_envelope(features.signal(spec.follow), features.frame_rate, fps, frames, reduce)
    return normalised(follow(laid, fps, spec.attack, spec.decay))


def _anchors(music: Music, path: CompositePath) -> list[tuple[float, float]]:
    frames, loop = music.frames, path.loop
    if not music.events:
        return keyframe_anchors(path.keyframe_frames(), frames, loop)
    end = frames if loop else frames - 1
    reached = path.mark_positions()  # exact: keyframe i + 1 is shown on event i itself
    inner = [(float(e), p) for e, p in zip(music.events, reached[1 : 1 + len(music.events)])]
    return [(0.0, 0.0), *inner, (float(end), float(end))]


def music_track(music: Music | None, config: OdysseyConfig, path: CompositePath, generator: Generator) -> MusicTrack | None:
    """The per-frame music arrays of a planned path (None without a soundtrack)."""
    if music is None:
        return None
    fps, frames, features = config.fps, music.frames, music.features
    envelopes: dict[str, np.ndarray] = {}
    arrays: dict = {}
    speed = config.path.speed
    try:
        if isinstance(speed, SpeedFollowSpec) or music.events:
            env = None
            if isinstance(speed, SpeedFollowSpec) and features is not None:
                env = envelope(features, speed, fps, frames)
                envelopes[f"speed: {speed.follow}"] = env.astype(np.float32)
            amount = speed.amount if isinstance(speed, SpeedFollowSpec) else 0.0
            arrays["warp"] = time_warp(_anchors(music, path), frames, path.loop, env, amount)
    except PathError as exc:
        raise ConfigError(f"path.speed: {exc}") from None
    react = config.react
    if react is not None and features is not None:
        arrays.update(_reactions(react, features, config, path, generator, envelopes))
    track = music.excerpt
    tempo = features.tempo if features is not None else 0.0
    return MusicTrack(track.file, track.start, track.seconds, frames, envelopes=envelopes, event_frames=music.events, tempo=tempo, **arrays)


def _reactions(react: ReactSpec, features: audio.AudioFeatures, config: OdysseyConfig, path: CompositePath, generator: Generator, envelopes: dict) -> dict:
    fps, frames, info = config.fps, path.num_frames, generator.info
    out: dict = {}
    if react.truncation is not None:
        env = envelopes[f"truncation: {react.truncation.follow}"] = envelope(features, react.truncation, fps, frames).astype(np.float32)
        out["psi_offset"] = (react.truncation.amount * env).astype(np.float32)
    if react.noise is not None:
        if "noise_gain" not in generator.controls:
            raise ConfigError(f"react.noise: model {info.name} ({info.family}) has no noise inputs to pulse (StyleGAN2 and StyleGAN v1 have); remove react.noise")
        env = envelopes[f"noise: {react.noise.follow}"] = envelope(features, react.noise, fps, frames).astype(np.float32)
        out["noise_gain"] = (1.0 + react.noise.amount * env).astype(np.float32)
    if react.radius is not None:
        if not any(timed.leg.kind in RADIUS_LEGS for timed in path.legs):
            raise ConfigError("react.radius: scales circle, lissajous, polyline and direction legs, and this path has none; add such a leg or remove react.radius")
        env = envelopes[f"radius: {react.radius.follow}"] = envelope(features, react.radius, fps, frames).astype(np.float32)
        out["radius_gain"] = (1.0 + react.radius.amount * env).astype(np.float32)
    if react.class_ is not None:
        out.update(_class_mix(react.class_, features, fps, frames, generator))
        envelopes["class: chroma (loudest pitch class)"] = (out["chroma"].max(axis=1) / max(float(out["chroma"].max()), 1e-12)).astype(np.float32)
    return out


def _class_mix(spec: ClassReact, features: audio.AudioFeatures, fps: float, frames: int, generator: Generator) -> dict:
    info = generator.info
    if not info.conditional:
        raise ConfigError(f"react.class: model {info.name} is not conditional (it has no classes to blend); remove react.class")
    given = spec.classes or list(range(min(12, info.num_classes)))
    indices = [resolve_class(info, value, f"react.class.classes.{i}") for i, value in enumerate(given)]
    matrix = np.zeros((12, info.num_classes))
    for pitch in range(12):
        matrix[pitch, indices[pitch % len(indices)]] = 1.0
    rows = [follow(frame_envelope(row, features.frame_rate, fps, frames, "mean"), fps, spec.attack, spec.decay) for row in features.chroma]
    return {"chroma": np.stack(rows, axis=1).astype(np.float32), "class_matrix": matrix, "class_amount": float(spec.amount)}
