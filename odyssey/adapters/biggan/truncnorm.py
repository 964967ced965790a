"""BigGAN's seed convention: the truncated normal draw of pytorch-pretrained-BigGAN's utilities.

The original project draws a latent for a seed with
``truncated_noise_sample(batch_size=1, dim_z, truncation, seed)``, that is
``truncation * scipy.stats.truncnorm.rvs(-2, 2, size=(1, dim_z),
random_state=np.random.RandomState(seed)).astype(np.float32)``.

scipy draws that by inversion: ``U = random_state.uniform(size=size)`` (float64 in
[0, 1)), then the truncated normal's quantile function, which for bounds ``[a, b]`` is
``x = Phi^-1(Phi(a) + U (Phi(b) - Phi(a)))`` with ``Phi`` the standard normal CDF. This
module does the same with numpy's RandomState and the Cephes ``ndtr``/``ndtri`` that
torch ships (``torch.special``), in float64, then casts to float32 as the original does.
scipy evaluates the same quantile in log space (``ndtri_exp``), so the float64 values
agree to about 1e-15 and the float32 latents are bit-identical (checked against scipy in
tests/biggan). Writing it out here keeps a seed's picture independent of scipy's version.

``seed_latent(seed)`` of a BigGAN is ``truncated_normal(seed, z_dim)``: the original's
noise at ``truncation=1``; the generator multiplies it by psi, as the original's utilities
do for ``truncation=psi``.
"""

from __future__ import annotations

import numpy as np
import torch

BOUND = 2.0  # the utilities' truncnorm(-2, 2)


def truncated_normal(seed: int, size: int, bound: float = BOUND) -> torch.Tensor:
    """``(size,)`` float32: standard normal truncated to ``[-bound, bound]``, drawn as scipy
    draws ``truncnorm.rvs(-bound, bound, size=(1, size), random_state=RandomState(seed))[0]``."""
    if not 0 <= int(seed) < 2**32:
        raise ValueError(f"a BigGAN seed is between 0 and 2**32 - 1 (numpy's RandomState), got {seed}")
    uniform = np.random.RandomState(int(seed)).uniform(size=(1, size))[0]  # (size,) float64 in [0, 1)
    u = torch.from_numpy(uniform)  # float64
    limits = torch.tensor([-bound, bound], dtype=torch.float64)
    low, high = torch.special.ndtr(limits).tolist()  # Phi(-bound), Phi(bound)
    x = torch.special.ndtri(low + u * (high - low))  # (size,) float64
    return x.to(torch.float32)
