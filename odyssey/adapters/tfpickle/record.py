"""``TFNetwork``: one TensorFlow network of an NVIDIA pickle, as inert data.

NVIDIA's TF pickles (``dnnlib.tflib.network.Network`` for StyleGAN/StyleGAN2,
``tfutil.Network`` for ProGAN) store per network: a name, the build function's name,
its static kwargs, the build module's source (kept here only as a sha256, never run),
the variables as ``(name, numpy array)`` pairs, and sub-networks ("components", e.g.
``mapping`` and ``synthesis``). The reader (``tfpickle.reader``) makes one ``TFNetwork``
per pickled network; the generators map ``variables`` onto their own parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class TFNetwork:
    """One pickled TF network: ``variables`` map the TF variable names *local to this
    network* (e.g. ``"G_synthesis/4x4/Conv/weight"`` is stored as ``"4x4/Conv/weight"``
    in the synthesis component) to float arrays as stored (TF layouts, e.g. conv
    weights ``[kh, kw, in, out]``)."""

    name: str
    build_func_name: str
    static_kwargs: dict[str, Any]
    variables: dict[str, np.ndarray]
    components: dict[str, "TFNetwork"] = field(default_factory=dict)
    module_name: str = ""  # the build module's name as stored (e.g. "training.networks_stylegan2")
    source_sha256: str = ""  # of the embedded build source, which is never executed
    format_version: int = 0  # the pickle state's "version": 2 ProGAN, 3 StyleGAN, 4 StyleGAN2, 5 StyleGAN2-ADA (TF)

    def component(self, name: str) -> "TFNetwork":
        """A sub-network by name; KeyError naming those present."""
        if name not in self.components:
            raise KeyError(f"no component {name!r}; this network has: {', '.join(self.components) or 'none'}")
        return self.components[name]
