"""NVIDIA network pickles read without running any of their code (``stylegan/nvpickle``).

The pickles are written by ``persistence_standin`` with the globals and structure of
NVIDIA's ``torch_utils.persistence`` (checked in ``test_standin_emits_nvidia_globals``);
real pickles from NVIDIA's code were compared outside the repo.
"""

from __future__ import annotations

import builtins
import collections
import io
import os
import pickle
import pickletools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from odyssey.adapters.stylegan import nvpickle
from odyssey.adapters.stylegan.nvpickle import (
    ModuleRecord,
    NetworkRecord,
    allowed_globals,
    describe_record,
    flatten_state,
    is_network_pickle,
    read_network_pickle,
    read_network_pickle_data,
    record_kwargs,
)
from odyssey.errors import CheckpointError
from tests.stylegan.persistence_standin import (
    NUMPY_SPELLINGS,
    RECONSTRUCT,
    EasyDict,
    dump_network_pickle,
    dumps_network_pickle,
    persistent_class,
)

PROTOCOLS = (2, 3, 4, 5)


# -- a tiny network with NVIDIA's kinds of contents --------------------------------------


@persistent_class
class FullyConnectedLayer(nn.Module):
    def __init__(self, in_features, out_features, bias=True, lr_multiplier=1.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features))
        self.bias = nn.Parameter(torch.randn(out_features)) if bias else None
        self.weight_gain = np.float32(lr_multiplier / np.sqrt(in_features))  # a numpy scalar attribute
        self.activation = "lrelu"


@persistent_class
class MappingNetwork(nn.Module):
    def __init__(self, z_dim, c_dim, w_dim, num_ws, num_layers=2):
        super().__init__()
        self.num_ws = num_ws
        if c_dim:
            self.embed = FullyConnectedLayer(c_dim, w_dim)
        for i in range(num_layers):
            setattr(self, f"fc{i}", FullyConnectedLayer(z_dim + (w_dim if c_dim else 0) if i == 0 else w_dim, w_dim, lr_multiplier=0.01))
        self.register_buffer("w_avg", torch.randn(w_dim))


@persistent_class
class SynthesisBlock(nn.Module):
    def __init__(self, channels, resolution, in_size=None):
        super().__init__()
        self.const = nn.Parameter(torch.randn(channels, resolution, resolution))
        self.conv1 = FullyConnectedLayer(channels, channels, bias=False)
        self.register_buffer("noise_const", torch.randn(resolution, resolution))
        self.register_buffer("resample_filter", None)  # None: state_dict leaves it out
        self.register_buffer("scratch", torch.zeros(2), persistent=False)
        self.register_buffer("steps", torch.arange(3))  # int64
        self.in_size = np.broadcast_to(np.asarray(resolution), [2])  # non-contiguous array
        self.freqs = np.linspace(0, 1, 5).astype(np.float32)  # contiguous array
        self.cutoffs = (np.float64(2.5), 3, "x")
        self.extra = nn.ModuleList([nn.Linear(2, 2), nn.Identity()])  # plain torch children


@persistent_class
class Generator(nn.Module):
    def __init__(self, z_dim, c_dim, w_dim, img_resolution, img_channels, mapping_kwargs={}, **synthesis_kwargs):  # noqa: B006 - NVIDIA's signature
        super().__init__()
        self.z_dim, self.c_dim, self.w_dim = z_dim, c_dim, w_dim
        self.img_resolution, self.img_channels = img_resolution, img_channels
        self.synthesis = SynthesisBlock(channels=synthesis_kwargs.get("channels", 3), resolution=img_resolution)
        self.num_ws = 2
        self.mapping = MappingNetwork(z_dim=z_dim, c_dim=c_dim, w_dim=w_dim, num_ws=self.num_ws, **mapping_kwargs)


@persistent_class
class Discriminator(nn.Module):
    def __init__(self, c_dim, img_resolution, img_channels):
        super().__init__()
        self.b4 = FullyConnectedLayer(img_channels, 1)


KWARGS = EasyDict(z_dim=4, w_dim=4, mapping_kwargs=EasyDict(num_layers=2), channels=3)


def make_G(c_dim: int = 0, seed: int = 0, **overrides) -> Generator:
    torch.manual_seed(seed)
    return Generator(**{**KWARGS, **overrides}, c_dim=c_dim, img_resolution=4, img_channels=3)


def assert_state_equal(got: dict, want: dict) -> None:
    assert list(got) == list(want)
    for name, tensor in want.items():
        assert got[name].dtype == tensor.dtype and got[name].shape == tensor.shape, name
        assert torch.equal(got[name], tensor), name


def pickle_globals(data: bytes) -> set[str]:
    """'module.name' of every GLOBAL / STACK_GLOBAL, following the memo for repeated strings."""
    found, memo, pushed = set(), {}, []
    for opcode, arg, _ in pickletools.genops(data):
        if opcode.name == "GLOBAL":
            found.add(arg.replace(" ", "."))
        elif opcode.name == "STACK_GLOBAL":
            found.add(f"{pushed[-2]}.{pushed[-1]}")
        if isinstance(arg, str) and opcode.name != "GLOBAL":
            pushed.append(arg)
        elif opcode.name in ("BINGET", "LONG_BINGET", "GET"):
            pushed.append(memo.get(arg))
        elif opcode.name == "MEMOIZE":
            memo[len(memo)] = pushed[-1] if pushed else None
        elif opcode.name in ("BINPUT", "LONG_BINPUT", "PUT"):
            memo[arg] = pushed[-1] if pushed else None
        if opcode.name not in ("MEMOIZE", "BINPUT", "LONG_BINPUT", "PUT", "FRAME") and not isinstance(arg, str) and opcode.name not in ("BINGET", "LONG_BINGET", "GET"):
            pushed.append(None)
    return found


# -- round trips ---------------------------------------------------------------------------


@pytest.mark.parametrize("numpy_spelling", NUMPY_SPELLINGS)
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_round_trip(tmp_path: Path, protocol: int, numpy_spelling: str) -> None:
    G = make_G()
    path = dump_network_pickle(tmp_path / "net.pkl", G_ema=G, G=G, D=Discriminator(0, 4, 3), protocol=protocol,
                               numpy_spelling=numpy_spelling, training_set_kwargs=EasyDict(path="data.zip", resolution=4))
    record = read_network_pickle(path)
    assert isinstance(record, NetworkRecord) and record.class_name == "Generator" and record.version == 6
    assert_state_equal(flatten_state(record), G.state_dict())
    assert record_kwargs(record) == {**KWARGS, "c_dim": 0, "img_resolution": 4, "img_channels": 3}
    # parts of the record NVIDIA's networks have: numpy values, plain torch children, buffers
    block = record.children["synthesis"]
    assert isinstance(block, NetworkRecord) and block.init_kwargs == {"channels": 3, "resolution": 4}
    assert type(block.attributes["in_size"]) is np.ndarray and block.attributes["in_size"].tolist() == [4, 4]
    assert block.attributes["freqs"].dtype == np.float32 and np.array_equal(block.attributes["freqs"], G.synthesis.freqs)
    assert block.attributes["cutoffs"] == (2.5, 3, "x") and type(block.attributes["cutoffs"][0]) is float
    assert type(block.children["conv1"].attributes["weight_gain"]) is float
    assert block.buffers["resample_filter"] is None and "scratch" in block.non_persistent
    extra = block.children["extra"]
    assert type(extra) is ModuleRecord and extra.class_name == "torch.nn.modules.container.ModuleList"
    assert [c.class_name for c in extra.children.values()] == ["torch.nn.modules.linear.Linear", "torch.nn.modules.linear.Identity"]
    assert extra.children["0"].attributes == {"in_features": 2, "out_features": 2}
    assert not record.training  # eval(), as NVIDIA's training loop stores it
    # the other entries of the dict
    data = read_network_pickle_data(path)
    assert list(data) == ["G", "D", "G_ema", "augment_pipe", "training_set_kwargs"]
    assert data["augment_pipe"] is None and type(data["training_set_kwargs"]) is dict
    D = read_network_pickle(path, key="D")
    assert D.init_args == (0, 4, 3) and D.init_kwargs == {}
    assert record_kwargs(D) == {"c_dim": 0, "img_resolution": 4, "img_channels": 3}  # named from the source


@pytest.mark.parametrize("numpy_spelling", NUMPY_SPELLINGS)
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_standin_emits_nvidia_globals(protocol: int, numpy_spelling: str) -> None:
    """The test pickles name NVIDIA's modules (absent here) and the numpy spelling asked for."""
    data = dumps_network_pickle({"G_ema": make_G()}, protocol=protocol, numpy_spelling=numpy_spelling)
    names = pickle_globals(data)
    assert {"torch_utils.persistence._reconstruct_persistent_obj", "dnnlib.util.EasyDict", "torch.storage._load_from_bytes",
            "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter", f"{numpy_spelling}.multiarray.scalar"} <= names
    assert f"{numpy_spelling}.numeric._frombuffer" in names if protocol >= 5 else f"{numpy_spelling}.multiarray._reconstruct" in names
    other = NUMPY_SPELLINGS[1 - NUMPY_SPELLINGS.index(numpy_spelling)]
    assert not any(name.startswith(other + ".") for name in names)
    assert "torch_utils" not in sys.modules and "dnnlib" not in sys.modules
    with pytest.raises(ModuleNotFoundError):  # so only a reader that never imports them can load it
        pickle.loads(data)


def test_easydict_kwargs_become_plain_dicts(tmp_path: Path) -> None:
    G = make_G(mapping_kwargs=EasyDict(num_layers=1), style=EasyDict(deep=EasyDict(x=[1, 2])))
    record = read_network_pickle(dump_network_pickle(tmp_path / "net.pkl", G_ema=G))
    kwargs = record_kwargs(record)
    assert kwargs["mapping_kwargs"] == {"num_layers": 1} and kwargs["style"] == {"deep": {"x": [1, 2]}}
    assert type(kwargs) is dict and type(kwargs["mapping_kwargs"]) is dict and type(kwargs["style"]["deep"]) is dict
    kwargs["mapping_kwargs"]["num_layers"] = 9  # a copy: the record is unchanged
    assert record.init_kwargs["mapping_kwargs"]["num_layers"] == 1


def test_conditional_generator(tmp_path: Path) -> None:
    G = make_G(c_dim=5)
    record = read_network_pickle(dump_network_pickle(tmp_path / "net.pkl", G_ema=G, D=Discriminator(5, 4, 3)))
    assert record_kwargs(record)["c_dim"] == 5
    state = flatten_state(record)
    assert state["mapping.embed.weight"].shape == (4, 5)
    assert_state_equal(state, G.state_dict())


def test_g_ema_only_and_missing_keys(tmp_path: Path) -> None:
    path = dump_network_pickle(tmp_path / "net.pkl", G_ema=make_G(), keys=("G_ema",))
    assert_state_equal(flatten_state(read_network_pickle(path)), make_G().state_dict())
    with pytest.raises(CheckpointError, match=r"net\.pkl has no 'G'; it holds networks G_ema"):
        read_network_pickle(path, key="G")
    path = dump_network_pickle(tmp_path / "none.pkl", G_ema=make_G(), G=None)
    with pytest.raises(CheckpointError, match=r"'G' is None in this file; it holds networks G_ema"):
        read_network_pickle(path, key="G")
    with pytest.raises(CheckpointError, match=r"'training_set_kwargs' is a dict, not a network"):
        read_network_pickle(dump_network_pickle(tmp_path / "t.pkl", G_ema=make_G(), training_set_kwargs={"a": 1}), key="training_set_kwargs")


def test_flatten_state_names_and_non_persistent(tmp_path: Path) -> None:
    record = read_network_pickle(dump_network_pickle(tmp_path / "net.pkl", G_ema=make_G()))
    state = flatten_state(record)
    assert list(state)[:4] == ["synthesis.const", "synthesis.noise_const", "synthesis.steps", "synthesis.conv1.weight"]
    assert "mapping.fc0.weight" in state and "mapping.w_avg" in state and "synthesis.extra.0.bias" in state
    assert "synthesis.scratch" not in state and "synthesis.resample_filter" not in state and "synthesis.conv1.bias" not in state
    assert "synthesis.scratch" in flatten_state(record, include_non_persistent=True)
    assert state["synthesis.steps"].dtype == torch.int64 and not state["mapping.w_avg"].requires_grad


def test_positional_init_args_are_named_by_source_order(tmp_path: Path) -> None:
    torch.manual_seed(0)
    G = Generator(4, 2, 4, 4, 3, {"num_layers": 1}, channels=3)
    record = read_network_pickle(dump_network_pickle(tmp_path / "net.pkl", G_ema=G))
    assert record.init_args == (4, 2, 4, 4, 3, {"num_layers": 1})
    assert record.init_params[:6] == ("z_dim", "c_dim", "w_dim", "img_resolution", "img_channels", "mapping_kwargs")
    assert record_kwargs(record) == {"z_dim": 4, "c_dim": 2, "w_dim": 4, "img_resolution": 4, "img_channels": 3,
                                     "mapping_kwargs": {"num_layers": 1}, "channels": 3}
    # unreadable source: NVIDIA's known order for Generator, an error for a class without one
    record = read_network_pickle(dump_network_pickle(tmp_path / "garbled.pkl", G_ema=G, source="def (:"))
    assert record.init_params is None and record_kwargs(record)["c_dim"] == 2
    record.class_name = "MyNet"
    with pytest.raises(CheckpointError, match=r"garbled\.pkl: MyNet was built with 6 positional arguments"):
        record_kwargs(record)
    record.class_name, record.init_kwargs = "Generator", {"c_dim": 1}
    with pytest.raises(CheckpointError, match="'c_dim' both positionally and by keyword"):
        record_kwargs(record)


def test_describe_record(tmp_path: Path) -> None:
    record = read_network_pickle(dump_network_pickle(tmp_path / "net.pkl", G_ema=make_G()))
    text = describe_record(record)
    assert text.startswith("Generator: NVIDIA persistent network (persistence v6, source ")
    assert f"{len(flatten_state(record))} tensors" in text and "z_dim=4" in text
    assert "children: synthesis (SynthesisBlock), mapping (MappingNetwork)" in text
    assert "ModuleList: plain torch module" in describe_record(record.children["synthesis"].children["extra"])


def test_storages_are_read_with_weights_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = dump_network_pickle(tmp_path / "net.pkl", G_ema=make_G())
    calls = []
    real_load = torch.load

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real_load(*args, **kwargs)

    def never(*args):
        raise AssertionError("torch's own _load_from_bytes (weights_only=False) must not be called")

    monkeypatch.setattr(torch, "load", spy)
    monkeypatch.setattr(torch.storage, "_load_from_bytes", never)
    read_network_pickle(path)
    assert calls and all(c.get("weights_only") is True and c.get("map_location") == "cpu" for c in calls)


# -- malicious files: refused, and nothing runs -----------------------------------------------


class Payload:
    """Pickles as a call of ``func(*args)``: what a malicious file does."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return (self.func, self.args)


class Helper:
    """An ordinary class: pickled by reference, so loading it would import this module."""


def _payloads(marker: Path) -> dict[str, tuple[str, Payload]]:
    return {
        "os.system": (f"{os.system.__module__}.system", Payload(os.system, f"touch {marker}")),
        "eval": ("builtins.eval", Payload(builtins.eval, f"open({str(marker)!r}, 'w').close()")),
        "Popen": ("subprocess.Popen", Payload(subprocess.Popen, ["touch", str(marker)])),
    }


@pytest.mark.parametrize("kind", ["os.system", "eval", "Popen"])
def test_payloads_are_live(tmp_path: Path, kind: str) -> None:
    """Control: Python's own pickle does run these payloads (so the refusals below mean something)."""
    marker = tmp_path / "ran"
    result = pickle.loads(pickle.dumps(_payloads(marker)[kind][1]))
    if isinstance(result, subprocess.Popen):
        result.wait()
    assert marker.exists()


@pytest.mark.parametrize("where", ["attribute", "kwargs", "top"])
@pytest.mark.parametrize("kind", ["os.system", "eval", "Popen"])
def test_malicious_globals_are_refused_and_nothing_runs(tmp_path: Path, kind: str, where: str) -> None:
    marker = tmp_path / "ran"
    name, payload = _payloads(marker)[kind]
    G = make_G().eval()
    data = {"G": None, "D": None, "G_ema": G, "augment_pipe": None, "training_set_kwargs": None}
    if where == "attribute":
        G.mapping.fc0.hidden = payload
    elif where == "kwargs":
        G._init_kwargs["mapping_kwargs"]["hook"] = payload
    else:
        data["training_set_kwargs"] = {"note": payload}
    path = tmp_path / "evil.pkl"
    path.write_bytes(dumps_network_pickle(data))  # no deepcopy: copying a payload runs it
    assert is_network_pickle(path)
    with pytest.raises(CheckpointError, match=rf"evil\.pkl: refused global {name.replace('.', '[.]')}"):
        read_network_pickle(path)
    assert not marker.exists()


def test_unknown_class_in_state_is_refused(tmp_path: Path) -> None:
    G = make_G()
    G.synthesis.helper = Helper()
    path = dump_network_pickle(tmp_path / "net.pkl", G_ema=G)
    with pytest.raises(CheckpointError, match=rf"refused global {Helper.__module__}\.Helper"):
        read_network_pickle(path)


def test_object_arrays_are_refused(tmp_path: Path) -> None:
    G = make_G()
    G.synthesis.table = np.array([1, "a"], dtype=object)
    with pytest.raises(CheckpointError, match="object dtype"):
        read_network_pickle(dump_network_pickle(tmp_path / "net.pkl", G_ema=G))


def test_storage_blob_with_code_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    blob = io.BytesIO()
    torch.save(Payload(os.system, f"touch {marker}"), blob, _use_new_zipfile_serialization=False)
    path = tmp_path / "blob.pkl"
    path.write_bytes(dumps_network_pickle({"G_ema": make_G(), "x": Payload(torch.storage._load_from_bytes, blob.getvalue())}))
    with pytest.raises(CheckpointError, match=r"blob\.pkl: a tensor storage was refused by torch\.load\(weights_only=True\)"):
        read_network_pickle(path)
    assert not marker.exists()


def test_persistent_objects_of_other_types_are_refused(tmp_path: Path) -> None:
    meta = {"type": "function", "version": 6, "module_src": "import os; os.system('x')", "class_name": "f", "state": {}}
    path = tmp_path / "net.pkl"
    path.write_bytes(dumps_network_pickle({"G_ema": Payload(RECONSTRUCT, meta)}))
    with pytest.raises(CheckpointError, match="a persistent object of type 'function'"):
        read_network_pickle(path)


def _crafted(body: bytes, protocol: int = 2) -> bytes:
    return bytes([pickle.PROTO[0], protocol]) + body + pickle.STOP


CRAFTED = {
    # calling an allowed value that is not an allowed callable (a huge allocation)
    "reduce-ndarray": (_crafted(b"cnumpy\nndarray\n" + b"J\x00\x00\x00\x40\x85\x85R"), "refused to call numpy.ndarray"),
    "reduce-dtype": (_crafted(b"ctorch\nfloat32\n)R"), "refused to call torch.float32"),
    # setting attributes on an object that BUILD may not touch
    "build-ordereddict": (_crafted(b"ccollections\nOrderedDict\n)RN}X\x01\x00\x00\x00aK\x01s\x86b"), "refused to set the state of a OrderedDict"),
    # NEWOBJ of a class that is not a stand-in
    "newobj": (_crafted(b"ccollections\nOrderedDict\n)\x81"), "refused to create collections.OrderedDict"),
    # opcodes that bypass find_class or belong to protocols 0-1
    "ext1": (_crafted(b"\x82\x01"), "opcodes NVIDIA's network pickles never contain"),
    "inst": (_crafted(b"(ios\nsystem\nX\x04\x00\x00\x00trueb"), "opcodes NVIDIA's network pickles never contain"),
    "persid": (_crafted(b"X\x01\x00\x00\x00xQ"), "opcodes NVIDIA's network pickles never contain"),
    # a global reached through protocol 4's STACK_GLOBAL
    "stack-global": (_crafted(b"\x8c\x08builtins\x8c\x07getattr\x93", 4), "refused global builtins.getattr"),
}


@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_crafted_opcodes_are_refused(tmp_path: Path, case: str) -> None:
    data, message = CRAFTED[case]
    path = tmp_path / "crafted.pkl"
    path.write_bytes(data)
    with pytest.raises(CheckpointError, match=rf"crafted\.pkl: .*{message.replace('.', '[.]').replace('(', '[(]')}"):
        read_network_pickle(path)


def test_allow_list_is_explicit() -> None:
    names = allowed_globals()
    for name in ("torch_utils.persistence._reconstruct_persistent_obj", "dnnlib.util.EasyDict", "collections.OrderedDict",
                 "torch.storage._load_from_bytes", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
                 "numpy.core.multiarray._reconstruct", "numpy._core.multiarray.scalar", "numpy._core.numeric._frombuffer"):
        assert name in names
    assert not any(n.split(".")[0] in ("os", "posix", "subprocess", "importlib") or n.endswith((".eval", ".exec", ".getattr")) for n in names)


# -- broken and foreign files ---------------------------------------------------------------


@pytest.mark.parametrize("cut", [0.05, 0.5, 0.9, -1])
def test_truncated_files(tmp_path: Path, cut: float) -> None:
    data = dumps_network_pickle({"G_ema": make_G(), "G": make_G()})
    path = tmp_path / "net.pkl"
    path.write_bytes(data[: int(len(data) * cut) if cut > 0 else cut])
    with pytest.raises(CheckpointError, match=r"net\.pkl is truncated \(the pickle ends early\); re-download it"):
        read_network_pickle(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"hello, I am a text file\n", "is not a pickle of protocol 2-5"),
        (bytes(range(256)) * 4, "is not a pickle of protocol 2-5"),
        (pickle.dumps([1, 2, 3], protocol=0), "is not a pickle of protocol 2-5"),
        (pickle.dumps([1, 2, 3], protocol=4), "holds a list, not NVIDIA's dict of networks"),
        (pickle.dumps({"G_ema": 1, "w": 2}), "'G_ema' is a int, not a network; it holds no networks"),
        (b"\x80\x04\x95\xff\xff\x00\x00\x00\x00\x00\x00\xfe\xfd", "is a corrupt pickle"),
    ],
)
def test_not_network_pickles(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "file.pkl"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=rf"file\.pkl.*{message}"):
        read_network_pickle(path)
    assert not is_network_pickle(path)


def test_torch_save_files_and_paths(tmp_path: Path) -> None:
    state = make_G().state_dict()
    torch.save(state, tmp_path / "zip.pt")
    torch.save(state, tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
    for name in ("zip.pt", "legacy.pt"):
        with pytest.raises(CheckpointError, match=rf"{name.replace('.', '[.]')} is a torch\.save file"):
            read_network_pickle(tmp_path / name)
        assert not is_network_pickle(tmp_path / name)
    with pytest.raises(CheckpointError, match="does not exist"):
        read_network_pickle(tmp_path / "missing.pkl")
    with pytest.raises(CheckpointError, match="is a folder"):
        read_network_pickle(tmp_path)
    assert not is_network_pickle(tmp_path / "missing.pkl") and not is_network_pickle(tmp_path)


class TFNetwork:
    """Stands for dnnlib.tflib.network.Network (a TensorFlow StyleGAN pickle)."""

    def __init__(self, name):
        self.name = name
        self.variables = [("w", np.zeros(2, np.float32))]


TFNetwork.__module__, TFNetwork.__qualname__ = "dnnlib.tflib.network", "Network"


@pytest.mark.parametrize("protocol", [3, 4])
def test_tensorflow_pickles_are_left_to_the_tfpickle_adapter(tmp_path: Path, protocol: int) -> None:
    """TF-era pickles load through adapters.tfpickle (tests/tfpickle); this reader leaves them alone
    and, asked anyway, says where they load (no longer NVIDIA's legacy.py, which runs their code)."""
    path = tmp_path / "karras2019stylegan-ffhq-1024x1024.pkl"
    path.write_bytes(dumps_network_pickle((TFNetwork("G"), TFNetwork("D"), TFNetwork("Gs")), protocol=protocol,
                                          extra_modules={"dnnlib.tflib": {}, "dnnlib.tflib.network": {"Network": TFNetwork}}))
    assert not is_network_pickle(path)
    with pytest.raises(CheckpointError, match=r"is a TensorFlow-era network pickle .*format: tfpickle") as caught:
        read_network_pickle(path)
    assert "legacy.py" not in str(caught.value)


# -- the sniff ---------------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_sniff_accepts_network_pickles(tmp_path: Path, protocol: int) -> None:
    assert is_network_pickle(dump_network_pickle(tmp_path / "a.pkl", G_ema=make_G(), protocol=protocol))
    # StyleGAN2-ADA's loop writes training_set_kwargs first; G and D may be None
    data = {"training_set_kwargs": EasyDict(path="x" * 2000, use_labels=False), "G": None, "D": None, "G_ema": make_G()}
    (tmp_path / "b.pkl").write_bytes(dumps_network_pickle(data, protocol=protocol))
    assert is_network_pickle(tmp_path / "b.pkl")


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_sniff_rejects_other_pickles_without_running_them(tmp_path: Path, protocol: int) -> None:
    marker = tmp_path / "ran"
    cases = {
        "tensors.pkl": pickle.dumps({"G_ema": make_G().state_dict()}, protocol=protocol),
        "names-as-data.pkl": pickle.dumps({"a": "torch_utils.persistence", "b": "_reconstruct_persistent_obj",
                                           "c": "torch_utils.persistence _reconstruct_persistent_obj"}, protocol=protocol),
        "evil.pkl": pickle.dumps({"x": Payload(os.system, f"touch {marker}")}, protocol=protocol),
        "ordered.pkl": pickle.dumps(collections.OrderedDict(a=1), protocol=protocol),
    }
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        assert not is_network_pickle(tmp_path / name), name
    assert not marker.exists()


def test_module_is_what_the_loader_imports() -> None:
    for name in ("read_network_pickle", "is_network_pickle", "flatten_state", "record_kwargs", "describe_record"):
        assert callable(getattr(nvpickle, name))
