"""Path-file fields for models with a w space and synthesis controls (StyleGAN2/3).

``space`` picks where the path moves: ``z`` (the input noise, N(0, I)), ``w`` (the
mapping network's output: one vector for every layer) or ``w+`` (one vector per
layer). ``noise`` picks StyleGAN2's per-pixel noise inputs. ``transform`` animates
StyleGAN3's input transform: the Fourier features the image grows from are rotated
and translated, so the camera turns and pans over what the model draws.
"""

from __future__ import annotations

import math
from typing import Any, Literal, Union

from pydantic import Field, field_validator

from odyssey.config.fields import CurvePoint, _Strict

Space = Literal["z", "w", "w+"]
NoiseMode = Literal["const", "random", "none"]
Curve = Union[float, list[CurvePoint]]

SPACE_HELP = (
    "Where the path moves: z (input noise, the default), w (StyleGAN's mapped space: smoother, "
    "more linear) or w+ (one w per layer; projected .npz files)."
)
NOISE_HELP = (
    "StyleGAN2 noise inputs: const (the model's stored noise, so nothing flickers), random "
    "(fresh per frame, a pure function of the frame index) or none."
)


def curve_points(value: Curve, fps: float) -> list[tuple[float, float]] | None:
    """A number -> None (constant); a curve -> [(seconds, value), ...]."""
    if isinstance(value, (int, float)):
        return None
    return [(t.to_seconds(fps), float(v)) for t, v in value]


class TransformSpec(_Strict):
    """StyleGAN3's input transform over time: rotation, turns and translation."""

    rotate: Curve = Field(0.0, description="Rotation in degrees: a number, or a curve [[time, degrees], ...] (times in seconds or 'Nf').")
    turns: float = Field(0.0, description="Whole turns added over the path at constant speed (a loop needs a whole number, e.g. 1 or -2).")
    translate_x: Curve = Field(0.0, description="Horizontal shift of the input grid (NVIDIA's --translate units): a number or a curve.")
    translate_y: Curve = Field(0.0, description="Vertical shift of the input grid: a number or a curve.")
    stabilise: bool = Field(False, description="Anchor the input layer at w_avg, so the picture's framing does not drift with w (NVIDIA's 'stabilize').")

    @field_validator("turns")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value) or abs(value) > 1000:
            raise ValueError("turns must be a finite number of whole turns, at most 1000")
        return value

    @field_validator("rotate", "translate_x", "translate_y")
    @classmethod
    def _curve(cls, value: Any) -> Any:
        values = [value] if isinstance(value, (int, float)) else [v for _, v in value]
        if not values or not all(math.isfinite(v) for v in values):
            raise ValueError("give a finite number, or a curve [[time, value], ...] with at least one point")
        return value

    @property
    def moving(self) -> bool:
        """Whether anything changes from frame to frame."""
        return bool(self.turns) or any(not isinstance(v, (int, float)) for v in (self.rotate, self.translate_x, self.translate_y))
