"""Torch7 ``.t7`` files written here without Lua, byte for byte as torch7 writes them.

``Writer`` follows torch7's ``File.lua`` ``writeObject`` (type tags, reference indices,
``"V n"`` version strings), ``generic/Tensor.c`` / ``generic/Storage.c`` ``write`` and
``THDiskFile.c`` (binary: little-endian int32 / long / float64 / raw arrays; ascii: ``%d``,
``%ld``, ``%.17g``, ``%.9g``, values space-separated and each write ended by a newline,
strings as raw bytes). The module factories give the fields nn/cudnn modules have after
``netG:clearState()`` (``gradWeight`` kept, ``output``/``gradInput`` emptied), and
``art_dcgan_net`` builds art-DCGAN's ``main.lua`` netG scaled down, parameters flattened
into one storage as ``getParameters()`` leaves them. ``reference_forward`` is Torch7's layer
maths written directly from the nn/THNN definitions in numpy (a full convolution as a scatter
of each input pixel times the kernel), independent of torch's ConvTranspose2d.
(The fidelity against a third-party Torch7 reader is in docs/models/torch7.md.)
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

DTYPES = {"Float": np.float32, "Double": np.float64, "Cuda": np.float32, "CudaDouble": np.float64, "Half": np.float16,
          "CudaHalf": np.float16, "Long": np.int64, "Int": np.int32, "Byte": np.uint8, "Char": np.int8}


@dataclass(eq=False)
class Storage:
    kind: str  # "Float", "Cuda", ...: torch.<kind>Storage
    values: np.ndarray


@dataclass(eq=False)
class Tensor:
    kind: str
    storage: Storage | None
    sizes: list[int]
    strides: list[int]
    offset: int = 0  # 0-based; the file stores offset + 1


@dataclass(eq=False)
class Obj:
    class_name: str
    fields: dict
    version: int | None = 1  # None: a file from before versioning (the class name only)


@dataclass(eq=False)
class Function:
    bytecode: bytes
    upvalues: dict = field(default_factory=dict)
    tag: int = 8  # 6 function, 7 legacy recursive function, 8 recursive function


def tensor(array: Any, kind: str = "Float") -> Tensor:
    """A contiguous tensor with a storage of its own."""
    array = np.ascontiguousarray(array, dtype=DTYPES[kind])
    strides = [s // array.itemsize for s in array.strides]
    return Tensor(kind, Storage(kind, array.reshape(-1)), list(array.shape), strides)


def empty(kind: str = "Float") -> Tensor:
    """``torch.FloatTensor()``: no dimensions, no storage (what clearState leaves)."""
    return Tensor(kind, None, [], [])


def flatten(tensors: list[Tensor]) -> None:
    """Make ``tensors`` views into one storage, as ``getParameters()`` does (offsets, shared storage)."""
    kind = tensors[0].kind
    flat = np.concatenate([t.storage.values for t in tensors]) if tensors else np.zeros(0)
    storage, offset = Storage(kind, flat.astype(DTYPES[kind])), 0
    for t in tensors:
        size = t.storage.values.size
        t.storage, t.offset = storage, offset
        offset += size


class Writer:
    def __init__(self, ascii: bool = False, long_size: int = 8, referenced: bool = True) -> None:
        self.out, self.ascii, self.long_size, self.referenced = bytearray(), ascii, long_size, referenced
        self.memo: dict[int, int] = {}
        self.count = 0
        self.keep: list[Any] = []

    def int(self, value: int) -> None:
        self.out += f"{value}\n".encode() if self.ascii else struct.pack("<i", value)

    def longs(self, values: list[int]) -> None:
        if self.ascii:
            self.out += (" ".join(str(v) for v in values) + "\n").encode() if values else b""
        else:
            self.out += b"".join(struct.pack("<q" if self.long_size == 8 else "<i", v) for v in values)

    def double(self, value: float) -> None:
        self.out += f"{value:.17g}\n".encode() if self.ascii else struct.pack("<d", value)

    def chars(self, data: bytes) -> None:
        self.out += data + (b"\n" if self.ascii and data else b"")

    def string(self, text: str | bytes) -> None:
        data = text.encode() if isinstance(text, str) else text
        self.int(len(data))
        self.chars(data)

    def raw(self, values: np.ndarray) -> None:
        if not self.ascii:
            dtype = np.dtype("<i4") if values.dtype == np.int64 and self.long_size == 4 else values.dtype.newbyteorder("<")
            self.out += values.astype(dtype).tobytes()
        elif values.dtype.itemsize == 1:
            self.chars(values.tobytes())
        elif values.size:
            fmt = "%.9g" if values.dtype.kind == "f" else "%d"
            self.out += (" ".join(fmt % v for v in values.tolist()) + "\n").encode()

    def _index(self, obj: Any) -> bool:
        """Write the reference index; True if the object was written before (then only the index)."""
        key = id(obj)
        if self.referenced and key in self.memo:
            self.int(self.memo[key])
            return True
        self.count += 1
        self.memo[key] = self.count
        self.keep.append(obj)
        self.int(self.count)
        return False

    def object(self, obj: Any) -> None:
        if obj is None:
            self.int(0)
        elif isinstance(obj, bool):
            self.int(5)
            self.int(1 if obj else 0)
        elif isinstance(obj, (int, float)):
            self.int(1)
            self.double(float(obj))
        elif isinstance(obj, (str, bytes)):
            self.int(2)
            self.string(obj)
        elif isinstance(obj, dict):
            self.int(3)
            if not self._index(obj):
                self.int(len(obj))
                for key, value in obj.items():
                    self.object(key)
                    self.object(value)
        elif isinstance(obj, Function):
            self.int(obj.tag)
            if not self._index(obj):
                self.string(obj.bytecode)
                self.object(obj.upvalues)
        else:
            self.int(4)
            if self._index(obj):
                return
            name = obj.class_name if isinstance(obj, Obj) else f"torch.{obj.kind}{type(obj).__name__}"
            version = obj.version if isinstance(obj, Obj) else 1
            if version is not None:
                self.string(f"V {version}")
            self.string(name)
            if isinstance(obj, Storage):
                self.longs([obj.values.size])
                self.raw(obj.values)
            elif isinstance(obj, Tensor):
                self.int(len(obj.sizes))
                self.longs(obj.sizes)
                self.longs(obj.strides)
                self.longs([obj.offset + 1])
                self.object(obj.storage)
            else:
                self.object(obj.fields)


def save_t7(path: Path, obj: Any, ascii: bool = False, long_size: int = 8) -> Path:
    """``torch.save(path, obj[, 'ascii'])``."""
    writer = Writer(ascii=ascii, long_size=long_size)
    writer.object(obj)
    path.write_bytes(bytes(writer.out))
    return path


# --- nn / cudnn modules with the fields Lua gives them (after clearState) -----------------------

def _module(name: str, kind: str, **fields: Any) -> Obj:
    return Obj(name, {"output": empty(kind), "gradInput": empty(kind), "_type": f"torch.{kind}Tensor", "train": True, **fields})


def full_conv(weight: np.ndarray, d: int, pad: int, adj: int = 0, bias: np.ndarray | None = None, cudnn: bool = False, kind: str = "Float") -> Obj:
    nin, nout, kh, kw = weight.shape
    fields = {"nInputPlane": nin, "nOutputPlane": nout, "kW": kw, "kH": kh, "dW": d, "dH": d, "padW": pad, "padH": pad,
              "adjW": adj, "adjH": adj, "weight": tensor(weight, kind), "gradWeight": tensor(np.zeros_like(weight), kind),
              "finput": empty(kind), "fgradInput": empty(kind), "ones": empty(kind)}
    if bias is not None:
        fields.update(bias=tensor(bias, kind), gradBias=tensor(np.zeros_like(bias), kind))
    if cudnn:
        fields.update(groups=1, fmode="CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM", iSize=Storage("Long", np.array([2, nin, 1, 1])))
    return _module(("cudnn." if cudnn else "nn.") + "SpatialFullConvolution", kind, **fields)


def conv(weight: np.ndarray, d: int, pad: int, bias: np.ndarray | None = None, kind: str = "Float") -> Obj:
    nout, nin, kh, kw = weight.shape
    fields = {"nInputPlane": nin, "nOutputPlane": nout, "kW": kw, "kH": kh, "dW": d, "dH": d, "padW": pad, "padH": pad,
              "weight": tensor(weight, kind), "gradWeight": tensor(np.zeros_like(weight), kind)}
    if bias is not None:
        fields.update(bias=tensor(bias, kind), gradBias=tensor(np.zeros_like(bias), kind))
    return _module("nn.SpatialConvolution", kind, **fields)


def batchnorm(weight: np.ndarray | None, bias: np.ndarray | None, mean: np.ndarray, var: np.ndarray, eps: float = 1e-5,
              cudnn: bool = False, kind: str = "Float", old: bool = False) -> Obj:
    """``SpatialBatchNormalization`` (version 2); ``old``: version 1 with ``running_std = 1/sqrt(var + eps)``."""
    fields = {"eps": eps, "momentum": 0.1, "affine": weight is not None, "running_mean": tensor(mean, kind),
              "save_mean": empty(kind), "save_std": empty(kind)}
    if old:
        fields["running_std"] = tensor(1 / np.sqrt(var.astype(np.float64) + eps), kind)
    else:
        fields["running_var"] = tensor(var, kind)
    if weight is not None:
        fields.update(weight=tensor(weight, kind), bias=tensor(bias, kind), gradWeight=tensor(np.zeros_like(weight), kind),
                      gradBias=tensor(np.zeros_like(bias), kind))
    obj = _module(("cudnn." if cudnn else "nn.") + "SpatialBatchNormalization", kind, **fields)
    obj.version = 1 if old else 2
    return obj


def relu(cudnn: bool = False, kind: str = "Float") -> Obj:
    if cudnn:
        return _module("cudnn.ReLU", kind, inplace=True, mode="CUDNN_ACTIVATION_RELU")
    return _module("nn.ReLU", kind, threshold=0, val=0, inplace=True)


def tanh(cudnn: bool = False, kind: str = "Float") -> Obj:
    return _module(("cudnn." if cudnn else "nn.") + "Tanh", kind, **({"inplace": False} if cudnn else {}))


def leaky_relu(negval: float = 0.2, kind: str = "Float") -> Obj:
    return _module("nn.LeakyReLU", kind, negval=negval, inplace=True)


def view(*size: int, kind: str = "Float") -> Obj:
    count = int(np.prod([s for s in size if s > 0]))
    return _module("nn.View", kind, size=Storage("Long", np.array(size, dtype=np.int64)), numElements=count, numInputDims=1)


def sequential(modules: list[Obj], kind: str = "Float") -> Obj:
    return _module("nn.Sequential", kind, modules={i + 1: m for i, m in enumerate(modules)})


# --- art-DCGAN's netG, scaled down --------------------------------------------------------------

def art_dcgan_layers(nz: int = 8, ngf: int = 2, nc: int = 3, blocks: int = 3, seed: int = 0, bias: bool = False) -> list[dict]:
    """Layer parameters of main.lua's netG with ``blocks`` FullConv-BN-ReLU blocks (4 * 2**blocks px).

    ``bias``: convolutions with biases (dcgan.torch before ``m:noBias()``).
    Weights like trained ones (not weights_init's N(0, 0.02)): the tiny net must not be flat.
    """
    rng = np.random.RandomState(seed)
    widths = [ngf * 2 ** (blocks - 1 - i) for i in range(blocks)]
    layers, cin = [], nz
    for i, width in enumerate(widths):
        d, pad = (1, 0) if i == 0 else (2, 1)
        layers.append({"type": "full", "w": rng.normal(0, 0.4, (cin, width, 4, 4)).astype(np.float32), "d": d, "pad": pad})
        layers.append({"type": "bn", "w": rng.uniform(0.6, 1.4, width).astype(np.float32), "b": rng.normal(0, 0.2, width).astype(np.float32),
                       "mean": rng.normal(0, 0.3, width).astype(np.float32), "var": rng.uniform(0.4, 1.6, width).astype(np.float32)})
        layers.append({"type": "relu"})
        cin = width
    layers.append({"type": "full", "w": rng.normal(0, 0.3, (cin, nc, 4, 4)).astype(np.float32), "d": 2, "pad": 1})
    layers.append({"type": "tanh"})
    for layer in layers:
        if bias and layer["type"] == "full":
            layer["bias"] = rng.normal(0, 0.1, layer["w"].shape[1]).astype(np.float32)
    return calibrate(layers, nz, rng)


def calibrate(layers: list[dict], nz: int, rng: np.random.RandomState) -> list[dict]:
    """Running statistics near those of the activations (as training leaves them), the output near unit scale.

    Random weights with running_mean 0 / running_var 1 make activations of hundreds and a saturated
    tanh: nothing like a trained net, and float32 rounding then looks larger than it is.
    """
    z = rng.normal(0, 1, (32, nz))
    for i, layer in enumerate(layers):
        if layer["type"] == "bn":
            x = reference_forward(layers[:i], z)
            layer["mean"] = (x.mean(axis=(0, 2, 3)) + rng.normal(0, 0.05, x.shape[1])).astype(np.float32)
            layer["var"] = (x.var(axis=(0, 2, 3)) * rng.uniform(0.8, 1.25, x.shape[1])).astype(np.float32)
        elif layer["type"] == "full" and i == len(layers) - 2:
            layer["w"] = (layer["w"] / reference_forward(layers[: i + 1], z).std()).astype(np.float32)
    return layers


def art_dcgan_net(layers: list[dict], cudnn: bool = False, kind: str = "Float", shared: bool = True, old_bn: bool = False) -> Obj:
    """The ``nn.Sequential`` ``torch.save(..., netG:clearState())`` writes for ``layers``.

    Layer dicts: ``full`` (w, d, pad, adj?, bias?), ``conv`` (w, d, pad, bias?), ``bn`` (w?, b?, mean,
    var, eps?), ``relu``, ``leaky`` (negval), ``identity``, ``tanh``.
    """
    modules = []
    for layer in layers:
        t = layer["type"]
        if t == "full":
            modules.append(full_conv(layer["w"], layer["d"], layer["pad"], layer.get("adj", 0), layer.get("bias"), cudnn, kind))
        elif t == "conv":
            modules.append(conv(layer["w"], layer["d"], layer["pad"], layer.get("bias"), kind))
        elif t == "bn":
            modules.append(batchnorm(layer.get("w"), layer.get("b"), layer["mean"], layer["var"], layer.get("eps", 1e-5), cudnn, kind, old_bn))
        elif t == "relu":
            modules.append(relu(cudnn, kind))
        elif t == "leaky":
            modules.append(leaky_relu(layer["negval"], kind))
        elif t == "identity":
            modules.append(_module("nn.Identity", kind))
        else:
            modules.append(tanh(cudnn, kind))
    if shared:  # getParameters(): weights and biases in one storage, gradients in another
        for names in (("weight", "bias"), ("gradWeight", "gradBias")):
            flatten([m.fields[n] for m in modules for n in names if n in m.fields])
    return sequential(modules, kind)


def reference_forward(layers: list[dict], z: np.ndarray) -> np.ndarray:
    """Torch7's maths in float64 numpy: z ``(N, nz)`` -> images ``(N, C, H, W)`` (BatchNorm on running stats)."""
    x = z.astype(np.float64).reshape(z.shape[0], -1, 1, 1)
    for layer in layers:
        t, w = layer["type"], layer.get("w")
        bias = layer.get("bias")
        if t == "full":  # out[o, i*d - pad + a, j*d - pad + b] += x[c, i, j] * W[c, o, a, b]
            d, pad, adj, k = layer["d"], layer["pad"], layer.get("adj", 0), w.shape[2]
            n, _, h, wid = x.shape
            full = np.zeros((n, w.shape[1], (h - 1) * d + k + adj, (wid - 1) * d + k + adj))
            for i in range(h):
                for j in range(wid):
                    full[:, :, i * d : i * d + k, j * d : j * d + k] += np.einsum("nc,cokl->nokl", x[:, :, i, j], w.astype(np.float64))
            x = full[:, :, pad : full.shape[2] - pad, pad : full.shape[3] - pad]
        elif t == "conv":  # out[o, i, j] = sum W[o, c, a, b] * x_padded[c, i*d + a, j*d + b]
            d, pad, k = layer["d"], layer["pad"], w.shape[2]
            xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
            oh, ow = (xp.shape[2] - k) // d + 1, (xp.shape[3] - k) // d + 1
            x = sum(np.einsum("nchw,oc->nohw", xp[:, :, a : a + (oh - 1) * d + 1 : d, b : b + (ow - 1) * d + 1 : d], w[:, :, a, b].astype(np.float64))
                    for a in range(k) for b in range(k))
        elif t == "bn":
            s = (1, -1, 1, 1)
            x = (x - layer["mean"].reshape(s)) / np.sqrt(layer["var"].astype(np.float64).reshape(s) + layer.get("eps", 1e-5))
            if w is not None:
                x = x * w.reshape(s) + layer["b"].reshape(s)
        elif t == "relu":
            x = np.maximum(x, 0)
        elif t == "leaky":
            x = np.where(x > 0, x, x * layer["negval"])
        elif t == "tanh":
            x = np.tanh(x)
        if bias is not None:
            x = x + bias.reshape(1, -1, 1, 1)
    return x


def write_example(folder: Path, family: str = "torch7-landscapes") -> Path:
    """A tiny art-DCGAN generator for ``paths/your-models/art-dcgan-landscapes.yaml`` (32 px, cudnn modules)."""
    net = art_dcgan_net(art_dcgan_layers(nz=8, ngf=2, blocks=3, seed=3), cudnn=True, kind="Cuda")
    return save_t7(folder / "landscapes_net_G.t7", net)
