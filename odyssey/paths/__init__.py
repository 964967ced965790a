"""Pure-math latent paths: interpolation, easing, frame timing, and keyframe paths.

Tensors in, tensors out. This package knows nothing about models, configs or files;
the only odyssey module it imports is ``odyssey.errors`` (for ``PathError``).
"""

from odyssey.paths.easing import EASINGS, get_easing
from odyssey.paths.interpolate import cubic_spline, lerp, slerp
from odyssey.paths.keyframes import INTERPOLATIONS, KeyframePath
from odyssey.paths.timeline import Timeline, frame_count

__all__ = [
    "EASINGS",
    "INTERPOLATIONS",
    "KeyframePath",
    "Timeline",
    "cubic_spline",
    "frame_count",
    "get_easing",
    "lerp",
    "slerp",
]
