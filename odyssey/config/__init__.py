"""Path files: the typed, validated description of one render.

A path file is YAML a person writes by hand. It is read, overridden from the command
line and validated once, here, into an ``OdysseyConfig``; nothing below this layer
sees YAML or raw dicts. Precedence is stated in one function, ``load_config``:
command line (``--out``, ``--set key.sub=value``) > the file > the defaults below.

Durations are a number of seconds (``2.5``) or a string with a unit (``"2.5s"``,
``"75f"`` for frames). Relative file names in the file resolve against the file's
folder; ``--out`` resolves against the current directory.
"""

from odyssey.config.fields import (
    DEFAULT_MODEL,
    DEFAULT_RENDERS_DIR,
    Duration,
    DurationField,
)
from odyssey.config.leg_specs import (
    LEG_TYPES,
    AxisSpec,
    CircleLegSpec,
    DirectionLegSpec,
    HoldLegSpec,
    Interpolation,
    KeyframesLegSpec,
    KeyframeSpec,
    LissajousLegSpec,
    NoiseLoopLegSpec,
    PathSpec,
    PolylineLegSpec,
    Speed,
    TruncationSpec,
    WalkLegSpec,
)
from odyssey.config.loading import (
    _set_override,
    format_validation_error,
    json_schema,
    load_config,
    read_yaml,
    validate,
)
from odyssey.config.music_specs import FOLLOW_HELP, AudioSpec, ClassReact, EnvelopeSpec, ReactSpec, SpeedFollowSpec
from odyssey.config.render_settings import RenderSettings, frame_channels, output_size
from odyssey.config.spec import ModelSpec, OdysseyConfig, VideoSettings
from odyssey.config.styles import NoiseMode, Space, TransformSpec, curve_points

__all__ = [
    "DEFAULT_MODEL", "DEFAULT_RENDERS_DIR", "LEG_TYPES", "AxisSpec", "CircleLegSpec", "DirectionLegSpec", "Duration",
    "DurationField", "HoldLegSpec", "Interpolation", "KeyframeSpec", "KeyframesLegSpec", "LissajousLegSpec", "ModelSpec",
    "NoiseLoopLegSpec", "NoiseMode", "OdysseyConfig", "Space", "TransformSpec", "curve_points", "PathSpec", "PolylineLegSpec", "RenderSettings", "Speed", "frame_channels", "output_size", "TruncationSpec", "VideoSettings", "WalkLegSpec",
    "FOLLOW_HELP", "AudioSpec", "ClassReact", "EnvelopeSpec", "ReactSpec", "SpeedFollowSpec",
    "_set_override", "format_validation_error", "json_schema", "load_config", "read_yaml", "validate",
]  # fmt: skip
