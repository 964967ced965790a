"""Equalised fully connected layers and the activations of NVIDIA's StyleGAN networks.

One implementation for StyleGAN2 and StyleGAN3, whose code bases agree here (NVIDIA's
``FullyConnectedLayer`` and ``bias_act`` are the same in both):

* **equalised learning rate** (ProGAN, sec. 4.1): weights are stored as
  ``N(0, 1) * weight_init / lr_multiplier`` and scaled at run time by
  ``lr_multiplier / sqrt(fan_in)``, biases by ``lr_multiplier``, so every layer learns at
  the same speed;
* ``bias_act``: bias, activation, gain and clamp in one step, as NVIDIA's fused op.

Parameter names (``weight``, ``bias``) are those of NVIDIA's checkpoints.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

# name -> (function, default gain). Gains keep the signal's second moment roughly constant
# through a layer with N(0, 1) weights (sqrt(2) for the rectifiers, He et al. 2015).
ACTIVATIONS: dict[str, tuple[Callable[[Tensor], Tensor], float]] = {
    "linear": (lambda x: x, 1.0),
    "relu": (F.relu, math.sqrt(2)),
    "lrelu": (lambda x: F.leaky_relu(x, 0.2), math.sqrt(2)),
    "tanh": (torch.tanh, 1.0),
    "sigmoid": (torch.sigmoid, 1.0),
    "elu": (F.elu, 1.0),
    "selu": (F.selu, 1.0),
    "softplus": (F.softplus, 1.0),
    "swish": (lambda x: torch.sigmoid(x) * x, math.sqrt(2)),
}


def activation_of(name: str) -> tuple[Callable[[Tensor], Tensor], float]:
    """(function, default gain) of an activation by NVIDIA's name; ValueError for an unknown one."""
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; known: {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[name]


def bias_act(x: Tensor, bias: Tensor | None, act: str = "linear", gain: float | None = None, clamp: float | None = None) -> Tensor:
    """``clamp(act(x + bias) * gain, -clamp, clamp)``; bias (C,) is added along dim 1.

    ``gain`` defaults to the activation's own gain; ``clamp=None`` does not clamp.
    """
    fn, default_gain = activation_of(act)
    if bias is not None:
        x = x + bias.to(x.dtype).reshape([1, -1] + [1] * (x.ndim - 2))
    x = fn(x)
    gain = default_gain if gain is None else float(gain)
    if gain != 1:
        x = x * gain
    if clamp is not None:
        x = x.clamp(-float(clamp), float(clamp))
    return x


def normalize_2nd_moment(x: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Scale each vector to unit root-mean-square along ``dim`` (z and label embeddings)."""
    return x * (x.square().mean(dim=dim, keepdim=True) + eps).rsqrt()


class EqualLinear(nn.Module):
    """Fully connected layer with equalised learning rate (NVIDIA's ``FullyConnectedLayer``).

    ``y = act(x @ (weight * lr_multiplier / sqrt(in))^T + bias * lr_multiplier)``; x: (N, in) -> (N, out).
    ``bias_init`` is a number or one value per output (StyleGAN3's input affine starts at
    ``[1, 0, 0, 0]``); ``weight_init`` scales the initial weights (0 for that affine).
    The initial bias is ``bias_init / lr_multiplier`` as in NVIDIA's StyleGAN3 code; its
    StyleGAN2 code leaves out the division, which changes nothing there, since no layer of
    either network has both a non-zero ``bias_init`` and a multiplier other than 1.
    Initial values matter only for untrained networks: checkpoints overwrite them.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        activation: str = "linear",
        lr_multiplier: float = 1.0,
        bias_init: float | Sequence[float] = 0.0,
        weight_init: float = 1.0,
    ) -> None:
        super().__init__()
        activation_of(activation)
        self.in_features, self.out_features, self.activation = in_features, out_features, activation
        self.weight = nn.Parameter(torch.randn(out_features, in_features) * weight_init / lr_multiplier)
        if bias:
            init = np.broadcast_to(np.asarray(bias_init, dtype=np.float32), [out_features])
            self.bias = nn.Parameter(torch.tensor(init / np.float32(lr_multiplier), dtype=torch.float32))
        else:
            self.register_parameter("bias", None)
        self.weight_gain = lr_multiplier / math.sqrt(in_features)
        self.bias_gain = lr_multiplier

    def forward(self, x: Tensor) -> Tensor:
        w = self.weight.to(x.dtype) * self.weight_gain
        b = None if self.bias is None else self.bias.to(x.dtype)
        if b is not None and self.bias_gain != 1:
            b = b * self.bias_gain
        if self.activation == "linear" and b is not None:
            return torch.addmm(b.unsqueeze(0), x, w.t())
        return bias_act(x.matmul(w.t()), b, self.activation)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, activation={self.activation}"
