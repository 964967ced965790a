"""Pure-math latent paths: interpolation, easing, timing, legs and their composition.

Tensors and arrays in, tensors and arrays out. This package knows nothing about
models, configs or files; the only odyssey module it imports is ``odyssey.errors``
(for ``PathError``). Model-aware work (seeds, PCA directions, image-space speed) is
done by ``odyssey.plan.planner``, which hands plain vectors and callables in here.
"""

from odyssey.paths.builder import SPEEDS, PathBuilder
from odyssey.paths.composite import CompositePath, Piece, TimedLeg
from odyssey.paths.curve import ValueCurve
from odyssey.paths.diagnostics import Motion, diagnose
from odyssey.paths.easing import EASINGS, get_easing
from odyssey.paths.envelope import follow, frame_envelope, normalised
from odyssey.paths.fourier import FourierLoopLeg, noise_variances, walk_variances
from odyssey.paths.interpolate import cubic_spline, lerp, slerp
from odyssey.paths.keyframe_leg import KEYFRAME_INTERPOLATIONS, KeyframesLeg
from odyssey.paths.keyframes import INTERPOLATIONS, KeyframePath
from odyssey.paths.legs import DirectionLeg, HoldLeg, Leg, Start, on_shell
from odyssey.paths.plane import PlaneLeg, circle, lissajous, polyline
from odyssey.paths.spherical import SphericalSpline
from odyssey.paths.timeline import Timeline, frame_count
from odyssey.paths.transform import TransformMotion, constant, input_transforms
from odyssey.paths.walk import WalkLeg
from odyssey.paths.warp import event_frames, keyframe_anchors, time_warp

__all__ = [
    "CompositePath",
    "DirectionLeg",
    "EASINGS",
    "FourierLoopLeg",
    "HoldLeg",
    "INTERPOLATIONS",
    "KEYFRAME_INTERPOLATIONS",
    "KeyframePath",
    "KeyframesLeg",
    "Leg",
    "Motion",
    "PathBuilder",
    "Piece",
    "PlaneLeg",
    "SPEEDS",
    "SphericalSpline",
    "Start",
    "TimedLeg",
    "Timeline",
    "TransformMotion",
    "ValueCurve",
    "WalkLeg",
    "circle",
    "constant",
    "cubic_spline",
    "diagnose",
    "event_frames",
    "follow",
    "frame_envelope",
    "frame_count",
    "get_easing",
    "input_transforms",
    "keyframe_anchors",
    "lerp",
    "lissajous",
    "noise_variances",
    "normalised",
    "on_shell",
    "polyline",
    "slerp",
    "time_warp",
    "walk_variances",
]
