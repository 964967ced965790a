"""The mapping network of StyleGAN2 and StyleGAN3: z (and a label c) -> w, with truncation.

    z (N, z_dim) ──normalise──┐
    c (N, c_dim) ──embed, normalise──┴─concat─▶ num_layers x EqualLinear (lrelu, lr 0.01) ─▶ w (N, w_dim)
    w ──broadcast──▶ ws (N, num_ws, w_dim) ──truncation: w_avg + psi (w - w_avg)──▶ synthesis

One implementation serves both code bases, which agree on everything but these, kept
explicit in ``StyleGAN3Mapping``:

* depth and EMA: StyleGAN2 has 8 layers and ``w_avg_beta`` 0.995, StyleGAN3 2 and 0.998;
* StyleGAN2 takes more options (``embed_features``, ``layer_features``, ``activation``,
  ``num_ws=None`` for a bare w, no ``w_avg`` when ``w_avg_beta`` is None, a model with
  no z), which StyleGAN3's constructor does not accept.

Truncation takes a number or one psi per sample ((N,) tensor). Parameter and buffer names
(``embed``, ``fc{i}``, ``w_avg``) are those of NVIDIA's checkpoints.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .linear import EqualLinear, normalize_2nd_moment


class MappingNetwork(nn.Module):
    """z (N, z_dim) [+ c (N, c_dim)] -> ws (N, num_ws, w_dim), or (N, w_dim) if num_ws is None.

    StyleGAN2's constructor (NVIDIA's keyword arguments and defaults). ``w_avg``
    (w_dim,) is the running mean of w seen in training: the centre of truncation.
    """

    def __init__(
        self,
        z_dim: int,
        c_dim: int,
        w_dim: int,
        num_ws: int | None,
        num_layers: int = 8,
        embed_features: int | None = None,
        layer_features: int | None = None,
        activation: str = "lrelu",
        lr_multiplier: float = 0.01,
        w_avg_beta: float | None = 0.995,
    ) -> None:
        super().__init__()
        self.z_dim, self.c_dim, self.w_dim, self.num_ws = z_dim, c_dim, w_dim, num_ws
        self.num_layers, self.w_avg_beta = num_layers, w_avg_beta
        embed_features = 0 if c_dim == 0 else (w_dim if embed_features is None else embed_features)
        layer_features = w_dim if layer_features is None else layer_features
        features = [z_dim + embed_features] + [layer_features] * (num_layers - 1) + [w_dim]
        if c_dim > 0:
            self.embed = EqualLinear(c_dim, embed_features)
        for i in range(num_layers):
            setattr(self, f"fc{i}", EqualLinear(features[i], features[i + 1], activation=activation, lr_multiplier=lr_multiplier))
        if num_ws is not None and w_avg_beta is not None:
            self.register_buffer("w_avg", torch.zeros(w_dim))

    def forward(
        self,
        z: Tensor | None,
        c: Tensor | None = None,
        truncation_psi: float | Tensor = 1,
        truncation_cutoff: int | None = None,
        update_emas: bool = False,
    ) -> Tensor:
        """Map latents to ws (float32); ``truncation_psi`` (a number, or (N,) for one per sample)
        pulls the first ``truncation_cutoff`` ws (all if None) towards ``w_avg``: psi 1 leaves
        them, 0 gives ``w_avg``. ``update_emas`` moves ``w_avg`` towards this batch's mean w
        (training only)."""
        device = (z if z is not None else c).device
        with torch.autocast(device_type=device.type, enabled=False):  # w is small: keep it float32
            parts = []
            if self.z_dim > 0:
                _check_shape(z, self.z_dim, "z")
                parts.append(normalize_2nd_moment(z.float()))
            if self.c_dim > 0:
                _check_shape(c, self.c_dim, "c")
                parts.append(normalize_2nd_moment(self.embed(c.float())))
            x = torch.cat(parts, dim=1) if len(parts) > 1 else parts[0]  # (N, z_dim + embed_features)
            for i in range(self.num_layers):
                x = getattr(self, f"fc{i}")(x)  # (N, w_dim) at the end
            if update_emas and self.w_avg_beta is not None:
                self.w_avg.copy_(x.detach().mean(dim=0).lerp(self.w_avg, self.w_avg_beta))
            if self.num_ws is not None:
                x = x.unsqueeze(1).repeat(1, self.num_ws, 1)  # (N, num_ws, w_dim)
            if isinstance(truncation_psi, Tensor) or truncation_psi != 1:
                x = self._truncate(x, truncation_psi, truncation_cutoff)
        return x

    def _truncate(self, x: Tensor, psi: float | Tensor, cutoff: int | None) -> Tensor:
        if not hasattr(self, "w_avg"):
            raise ValueError("truncation needs w_avg, which this mapping network does not track")
        if isinstance(psi, Tensor):  # one psi per sample: (N,) -> (N, 1[, 1]) against (N, [num_ws,] w_dim)
            psi = psi.to(x.device, torch.float32).reshape(-1, *([1] * (x.ndim - 1)))
        if self.num_ws is None or cutoff is None:
            return self.w_avg.lerp(x, psi)
        head = self.w_avg.lerp(x[:, :cutoff], psi)
        return torch.cat([head, x[:, cutoff:]], dim=1)

    def extra_repr(self) -> str:
        return f"z_dim={self.z_dim}, c_dim={self.c_dim}, w_dim={self.w_dim}, num_ws={self.num_ws}"


class StyleGAN3Mapping(MappingNetwork):
    """StyleGAN3's mapping network: the same network with its code base's constructor
    (2 layers, ``w_avg_beta`` 0.998, ws always broadcast, ``w_avg`` always tracked)."""

    def __init__(
        self,
        z_dim: int,
        c_dim: int,
        w_dim: int,
        num_ws: int,
        num_layers: int = 2,
        lr_multiplier: float = 0.01,
        w_avg_beta: float = 0.998,
    ) -> None:
        super().__init__(z_dim, c_dim, w_dim, num_ws, num_layers=num_layers, lr_multiplier=lr_multiplier, w_avg_beta=w_avg_beta)


def _check_shape(x: Tensor | None, dim: int, name: str) -> None:
    if x is None or x.ndim != 2 or x.shape[1] != dim:
        got = None if x is None else tuple(x.shape)
        raise ValueError(f"{name} must have shape (N, {dim}), got {got}")
