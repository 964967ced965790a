"""Test-only writer of NVIDIA's TensorFlow-era network pickles, and tiny TF StyleGAN2 networks.

Written here from the format facts (no NVIDIA code, no TensorFlow): a TF network pickles
as ``NEWOBJ(Network)`` + ``BUILD(state)``, the class being ``dnnlib.tflib.network.Network``
(StyleGAN, StyleGAN2) or ProGAN's ``tfutil.Network``, the state what ``__getstate__``
returns (``NETWORK_STATE_KEYS``, in that order; ProGAN's lacks ``components``; version 5,
StyleGAN2-ADA's, adds the shapes and names of inputs and outputs); a training loop pickles
``(G, D, Gs)``. Variables are ``(name, value)`` pairs as ``tfutil.run`` returns them:
numpy arrays, and numpy scalars for 0-d variables (noise strengths, ``lod``).

The stand-in classes and numpy's reconstructors are written under NVIDIA's / numpy 1.x's
module names by registering fake modules in ``sys.modules`` only while dumping, so the
bytes are those NVIDIA's pickles have, and nothing can import them at load time.

    gs = sg2_record("config-f")                        # a TFNetwork with NVIDIA's names and shapes
    write_tf_pickle(tmp / "net.pkl", gs)               # (G, D, Gs) as NVIDIA's training loop writes
"""

from __future__ import annotations

import copy
import io
import math
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from odyssey.adapters.tfpickle.record import TFNetwork
from tests.stylegan.persistence_standin import fake_modules

NETWORK_STATE_KEYS = ("version", "name", "static_kwargs", "components", "build_module_src", "build_func_name", "variables")
V5_KEYS = ("input_shapes", "output_shapes", "input_names", "output_names")
SOURCE = '"""Stand-in build module: never executed."""\nraise SystemExit("the build source of a TF pickle ran")\n'


class Network:
    """Stands for ``dnnlib.tflib.network.Network``: pickles its ``state`` as NVIDIA's does."""

    def __init__(self, state: dict[str, Any]) -> None:
        self.state = state

    def __getstate__(self) -> dict[str, Any]:
        return self.state

    def __setstate__(self, state: dict[str, Any]) -> None:
        raise AssertionError("the stand-in writes pickles only")


class ProGANNetwork(Network):
    """Stands for ProGAN's ``tfutil.Network``."""


Network.__module__, Network.__qualname__, Network.__name__ = "dnnlib.tflib.network", "Network", "Network"
ProGANNetwork.__module__, ProGANNetwork.__qualname__, ProGANNetwork.__name__ = "tfutil", "Network", "Network"


def _run_value(value: np.ndarray) -> Any:
    """What ``tfutil.run`` gives for a variable: a numpy scalar for 0-d ones, else the array."""
    value = np.asarray(value)
    return value.dtype.type(value.item()) if value.ndim == 0 else value


def stand_in(record: TFNetwork, version: int | None = None, source: str = SOURCE, progan: bool = False) -> Network:
    """The stand-in of ``record`` whose state is what NVIDIA's ``__getstate__`` returns."""
    version = record.format_version or (2 if progan else 4) if version is None else version
    state: dict[str, Any] = {
        "version": version,
        "name": record.name,
        "static_kwargs": dict(record.static_kwargs),
        "components": {key: stand_in(child, version, source, progan) for key, child in record.components.items()},
        "build_module_src": source,
        "build_func_name": record.build_func_name,
        "variables": [(name, _run_value(value)) for name, value in record.variables.items()],
    }
    if progan:
        del state["components"]
    if version >= 5:
        state.update(input_shapes=[[None, 16]], output_shapes=[[None, 3, 16, 16]], input_names=["latents_in"], output_names=["images_out"])
    return (ProGANNetwork if progan else Network)(state)


def _fake(name: str, module: str) -> Any:
    def fake(*args: Any) -> None:
        raise AssertionError("stand-in numpy global, for writing only")

    fake.__name__ = fake.__qualname__ = name
    fake.__module__ = module
    return fake


def dumps_tf_pickle(data: Any, protocol: int = 3, numpy_spelling: str = "numpy.core") -> bytes:
    """Pickle ``data`` (stand-ins, containers) as Python 3.6 with numpy 1.x pickled NVIDIA's networks."""
    numpy_funcs = {name: _fake(name, f"{numpy_spelling}.{module}") for name, module in
                   (("_reconstruct", "multiarray"), ("scalar", "multiarray"), ("_frombuffer", "numeric"))}  # fmt: skip

    class Pickler(pickle.Pickler):
        def reducer_override(self, obj: Any) -> Any:
            if type(obj) is np.ndarray or isinstance(obj, np.generic):
                reduced = list(obj.__reduce_ex__(protocol))
                reduced[0] = numpy_funcs[reduced[0].__name__]
                return tuple(reduced)
            return NotImplemented

    modules: dict[str, dict[str, Any]] = {"dnnlib": {}, "dnnlib.tflib": {}, "dnnlib.tflib.network": {"Network": Network}, "tfutil": {"Network": ProGANNetwork}}
    for fake in numpy_funcs.values():
        modules.setdefault(fake.__module__, {})[fake.__name__] = fake
    buffer = io.BytesIO()
    with fake_modules(modules):
        Pickler(buffer, protocol=protocol).dump(data)
    return buffer.getvalue()


def tiny_discriminator(seed: int = 7) -> TFNetwork:
    """A stand-in D: a few variables with NVIDIA's names (never loaded)."""
    rng = np.random.RandomState(seed)
    variables = {"4x4/Conv/weight": rng.randn(3, 3, 8, 8).astype(np.float32), "Output/weight": rng.randn(8, 1).astype(np.float32)}
    return TFNetwork("D", "D_stylegan2", {"num_channels": 3, "resolution": 16, "label_size": 0}, variables)


def write_tf_pickle(path: Path, gs: TFNetwork, g: TFNetwork | None = None, *, protocol: int = 3, numpy_spelling: str = "numpy.core",
                    progan: bool = False, source: str = SOURCE) -> Path:  # fmt: skip
    """``(G, D, Gs)`` at ``path`` as NVIDIA's training loops write them (G defaults to a copy of Gs)."""
    g = g if g is not None else copy.deepcopy(gs)
    g.name = "G"
    networks = tuple(stand_in(net, source=source, progan=progan) for net in (g, tiny_discriminator(), gs))
    Path(path).write_bytes(dumps_tf_pickle(networks, protocol=protocol, numpy_spelling=numpy_spelling))
    return Path(path)


# -- tiny StyleGAN2 generators with NVIDIA's TF variable names and shapes ----------------------

BASE = {"num_channels": 3, "resolution": 16, "label_size": 0, "latent_size": 16, "dlatent_size": 16, "mapping_layers": 2, "mapping_fmaps": 16,
        "fmap_base": 64, "fmap_max": 32}  # fmt: skip
VARIANTS: dict[str, dict[str, Any]] = {
    "config-f": {},  # skip generator (the default: no 'architecture' kwarg stored)
    "config-f-resnet": {"architecture": "resnet"},
    "config-e": {"fmap_base": 32},
    "orig": {"architecture": "orig", "resolution": 8},
    "fork-kwargs": {"randomize_noise": False, "mapping_layers": 3, "fmap_base": 128, "fmap_max": 16, "truncation_psi": 0.5, "impl": "ref"},
    "wide": {"init_res": [4, 8], "architecture": "resnet"},  # eps696/stylegan2's non-square layout
    "ada": {"ada": True, "conv_clamp": 256, "mapping_fmaps": 24},
    "ada-conditional": {"ada": True, "label_size": 3, "architecture": "resnet"},
}


def _nf(stage: int, kwargs: dict[str, Any]) -> int:
    return int(np.clip(int(kwargs["fmap_base"] / 2.0**stage), 1, kwargs["fmap_max"]))


class _Vars(dict):
    def __init__(self, rng: np.random.RandomState) -> None:
        super().__init__()
        self.rng = rng

    def add(self, name: str, *shape: int, scale: float = 1.0) -> None:
        self[name] = np.asarray(self.rng.randn(*shape) * scale, dtype=np.float32)


def sg2_record(variant: str = "config-f", seed: int = 0, **overrides: Any) -> TFNetwork:
    """A tiny TF StyleGAN2 ``Gs`` (``G_main`` with ``mapping`` and ``synthesis``), every variable random.

    Variables are created in the order NVIDIA's build functions create them.
    """
    kwargs = {**BASE, **VARIANTS[variant], **overrides}
    ada = bool(kwargs.pop("ada", False))  # StyleGAN2-ADA's TF code (G_synthesis, pickle version 5)
    rng = np.random.RandomState(seed)
    log2 = int(math.log2(kwargs["resolution"]))
    num_layers = 2 * log2 - 2
    h0, w0 = kwargs.get("init_res", [4, 4])
    arch = kwargs.get("architecture", "skip")
    z, w, c = kwargs["latent_size"], kwargs["dlatent_size"], kwargs["label_size"]

    syn = _Vars(rng)
    for i in range(num_layers - 1):
        k = (i + 5) // 2
        syn.add(f"noise{i}", 1, 1, h0 * 2 ** (k - 2), w0 * 2 ** (k - 2))

    def modconv(scope: str, cin: int, cout: int, kernel: int, noise: bool = True) -> None:
        syn.add(f"{scope}/weight", kernel, kernel, cin, cout)
        syn.add(f"{scope}/mod_weight", w, cin)
        syn.add(f"{scope}/mod_bias", cin, scale=0.2)
        if noise:
            syn.add(f"{scope}/noise_strength", scale=0.3)  # a 0-d variable
        syn.add(f"{scope}/bias", cout, scale=0.2)

    syn.add("4x4/Const/const", 1, _nf(1, kwargs), h0, w0)
    modconv("4x4/Conv", _nf(1, kwargs), _nf(1, kwargs), 3)
    if arch == "skip":
        modconv("4x4/ToRGB", _nf(1, kwargs), kwargs["num_channels"], 1, noise=False)
    for k in range(3, log2 + 1):
        scope, cin, cout = f"{2**k}x{2**k}", _nf(k - 2, kwargs), _nf(k - 1, kwargs)
        modconv(f"{scope}/Conv0_up", cin, cout, 3)
        modconv(f"{scope}/Conv1", cout, cout, 3)
        if arch == "resnet":
            syn.add(f"{scope}/Skip/weight", 1, 1, cin, cout)
        if arch == "skip" or k == log2:
            modconv(f"{scope}/ToRGB", cout, kwargs["num_channels"], 1, noise=False)

    mapping = _Vars(rng)
    if c:
        mapping.add("LabelEmbed/weight", c, kwargs.get("label_fmaps", z))
        mapping.add("LabelEmbed/bias", kwargs.get("label_fmaps", z), scale=0.2)
    width = (z + (kwargs.get("label_fmaps", z) if c else 0))
    for i in range(kwargs["mapping_layers"]):
        out = w if i == kwargs["mapping_layers"] - 1 else kwargs["mapping_fmaps"]
        mapping.add(f"Dense{i}/weight", width, out, scale=1 / 0.01)  # stored / lrmul, as NVIDIA initialises
        mapping.add(f"Dense{i}/bias", out, scale=20.0)
        width = out

    top = _Vars(rng)
    if not ada:
        top["lod"] = np.zeros((), np.float32)
    top.add("dlatent_avg", w, scale=0.3)
    passed = {k: v for k, v in kwargs.items() if k != "truncation_psi"}  # what G_main passes on to its components
    components = {
        "synthesis": TFNetwork("G_synthesis", "G_synthesis" if ada else "G_synthesis_stylegan2", dict(passed), dict(syn)),
        "mapping": TFNetwork("G_mapping", "G_mapping", {"dlatent_broadcast": num_layers, **passed}, dict(mapping)),
    }
    return TFNetwork("Gs", "G_main", dict(kwargs), dict(top), components, module_name="training.networks_stylegan2", format_version=5 if ada else 4)
