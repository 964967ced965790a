"""BigGAN (pytorch-pretrained-BigGAN layout): files, names, seeds, truncation, classes, spaces, safety.

Fidelity against the original package is measured outside the repo (docs/models/biggan.md);
here tiny random checkpoints written by ``biggan_testkit`` in the published layout are used.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from odyssey.adapters import describe, load_generator
from odyssey.adapters.biggan.biggan_deep import BigGANNet, Truncation, truncation_stats
from odyssey.adapters.biggan.config import DEFAULTS
from odyssey.adapters.biggan.imagenet_classes import IMAGENET_CLASSES
from odyssey.adapters.biggan.truncnorm import truncated_normal
from odyssey.api import convert_checkpoint
from odyssey.errors import CheckpointError, RenderError
from odyssey.models.base import StyleSettings
from tests.biggan.biggan_testkit import TINY, config_json, published_state_dict, write_biggan


def _one_hot(*classes: int) -> torch.Tensor:
    return torch.eye(1000)[list(classes)]


def _refused(path: Path, match: str, **options) -> str:
    with pytest.raises(CheckpointError, match=match) as info:
        load_generator(path, options=options or None)
    message = str(info.value)
    assert "\n" not in message and len(message) < 600
    return message


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> tuple[Path, Path]:
    return write_biggan(tmp_path_factory.mktemp("biggan"))


@pytest.fixture(scope="module")
def gen(tiny):
    return load_generator(tiny[1])


# -- the published layout ---------------------------------------------------------------------

@pytest.mark.parametrize("layers", [TINY["layers"], DEFAULTS["layers"]], ids=["tiny", "128-layout"])
def test_network_names_and_shapes_are_the_published_ones(layers) -> None:
    config = {**TINY, "layers": layers, "attention_layer_position": 2 if layers is TINY["layers"] else 8}
    published = published_state_dict(config)
    with torch.device("meta"):
        net = BigGANNet(**{k: config[k] for k in ("z_dim", "channel_width", "num_classes", "layers", "attention_layer_position", "n_stats", "eps")})
    assert {k: tuple(v.shape) for k, v in net.state_dict().items()} == {k: tuple(v.shape) for k, v in published.items()}


@pytest.mark.parametrize("layout", ["zip", "legacy", "safetensors"])
def test_either_file_of_the_pair_loads_the_same_model(tmp_path, gen, layout) -> None:
    config, weights = write_biggan(tmp_path, layout=layout)
    z, labels = torch.stack([gen.seed_latent(s) for s in (0, 1)]), _one_hot(207, 3)
    expected = gen.synthesize(z, labels, torch.tensor([0.4, 0.7]))
    for source in (config, weights) if layout == "zip" else (weights,):
        other = load_generator(source)
        assert describe(source)["adapter"] == "biggan"
        assert torch.equal(other.synthesize(z, labels, torch.tensor([0.4, 0.7])), expected)
    assert other.info.resolution == (32, 32) and other.info.latent_shape == (8,) and other.info.name == tmp_path.name


def test_prefixed_pairs_from_the_projects_s3_names_pair_up(tmp_path) -> None:
    config, weights = write_biggan(tmp_path, prefix="biggan-deep-128-")
    (tmp_path / "config.json").write_text("{}")  # an unrelated config.json beside them is not taken
    assert load_generator(weights).info.name == "biggan-deep-128"
    assert load_generator(config).info.name == "biggan-deep-128"


def test_an_incomplete_pair_is_refused_in_one_line(tmp_path) -> None:
    config, weights = write_biggan(tmp_path / "a")
    weights.unlink()
    assert "weights that belong with this config.json are missing" in _refused(config, "missing")
    config, weights = write_biggan(tmp_path / "b")
    config.unlink()
    assert "pytorch_model.bin" in _refused(weights, "config.json that belongs with these weights is missing")


def test_a_weights_file_beside_another_kind_of_config_is_not_claimed(tmp_path) -> None:
    _, weights = write_biggan(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "bert", "hidden_size": 8}))
    from odyssey.adapters.biggan.loader import sniff

    assert not sniff(weights) and not sniff(tmp_path / "config.json")


# -- config.json, read strictly ---------------------------------------------------------------

@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"resolution_h": 128}, "unknown BigGAN config key.*'resolution_h'"),
        ({"output_dim": 64}, "output_dim is 64, but its layers upsample 4 px 3 times to 32 px"),
        ({"layers": [[True, 16, 8], [True, 4, 4], [True, 4, 2], [False, 2, 1]]}, r"layers\[1\] takes 4 x channel_width, but layers\[0\] gives 8"),
        ({"layers": [[True, 16, 5], [True, 5, 1]]}, "a block keeps its width or halves it"),
        ({"n_stats": 1}, "n_stats must be an integer from 2"),
        ({"z_dim": "128"}, "z_dim must be an integer"),
        ({"eps": float("nan")}, "eps must be a number"),
    ],
)
def test_a_config_the_network_could_not_be_is_refused(tmp_path, change, match) -> None:
    config, _ = write_biggan(tmp_path)
    config.write_text(config_json({**TINY, **change}))
    _refused(config, match)


def test_bookkeeping_keys_warn_and_defaults_fill_in_as_in_the_original(tmp_path) -> None:
    config, _ = write_biggan(tmp_path)
    data = {**TINY, "_name_or_path": "biggan-deep-128"}
    del data["eps"], data["n_stats"]  # BigGANConfig.from_dict keeps its defaults: 1e-4, 51
    config.write_text(config_json(data))
    with pytest.warns(UserWarning, match="ignored config key.*_name_or_path"):
        info = load_generator(config).info
    assert info.extra["inferred"]["config_defaults"] == ["eps", "n_stats"]


def test_a_huge_declared_network_fails_fast_without_allocating(tmp_path) -> None:
    config, weights = write_biggan(tmp_path)
    config.write_text(config_json({**TINY, "channel_width": 4096, "z_dim": 16384, "class_embed_dim": 16384}))  # ~10^12 weights if built
    started = time.perf_counter()
    _refused(weights, "do not fit the BigGAN-deep network")
    assert time.perf_counter() - started < 5


def test_weights_that_do_not_fit_are_named(tmp_path) -> None:
    state = published_state_dict()
    del state["generator.gen_z.weight_v"]
    _, weights = write_biggan(tmp_path, state=state)
    _refused(weights, "missing generator.gen_z.weight_v")


# -- safety -----------------------------------------------------------------------------------

class _Payload:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({str(self.marker)!r}, 'w').write('ran')",))


@pytest.mark.parametrize("legacy", [False, True])
def test_a_pickle_payload_in_pytorch_model_bin_is_refused_and_never_runs(tmp_path, legacy) -> None:
    config, weights = write_biggan(tmp_path)
    marker = tmp_path / "ran.txt"
    state = dict(published_state_dict())
    state["generator.gen_z.bias"] = _Payload(marker)
    torch.save(state, weights, _use_new_zipfile_serialization=not legacy)
    for source in (weights, config):
        message = _refused(source, "refuses to execute code")
        assert str(weights) in message and "exec" in message
    assert not marker.exists()
    assert not os.path.exists(marker)


# -- seeds ------------------------------------------------------------------------------------

def test_seed_latents_are_the_utilities_truncated_normal_draw(gen) -> None:
    stats = pytest.importorskip("scipy.stats")
    for seed in (0, 1, 42, 2**32 - 1):
        expected = stats.truncnorm.rvs(-2, 2, size=(1, 8), random_state=np.random.RandomState(seed)).astype(np.float32)[0]
        assert np.array_equal(gen.seed_latent(seed).numpy(), expected)
    wide = stats.truncnorm.rvs(-2, 2, size=(1, 128), random_state=np.random.RandomState(7)).astype(np.float32)[0]
    assert np.array_equal(truncated_normal(7, 128).numpy(), wide)
    assert float(truncated_normal(3, 4096).abs().max()) <= 2.0


# -- truncation: scales z and picks batch-norm statistics -------------------------------------

def test_truncation_picks_rows_as_the_original_does() -> None:
    step = 1.0 / 50
    assert truncation_stats(0.4, step, 51) == (20, 0.0)  # a stored truncation: its own row
    assert truncation_stats(0.0, step, 51) == (0, 0.0) and truncation_stats(1.0, step, 51) == (50, 0.0)
    start, coef = truncation_stats(0.58, step, 51)  # 0.58 / 0.02 = 28.999999999999996 in float64
    assert start == 28 and coef > 0.999
    table = torch.arange(51, dtype=torch.float32)[:, None].expand(51, 2)  # row i holds i
    psi = torch.tensor([0.4, 0.405, 0.58, 0.14, 0.0, 1.0])  # float32, read as the decimals written
    original = Truncation.of(psi, 51).select(table)[:, 0]
    linear = Truncation.of(psi, 51, "linear").select(table)[:, 0]
    # the original blends the wrong way round: 0.405 -> 20 * 0.25 + 21 * 0.75; and float64
    # rounding sends 0.58 to row 28 (0.56's statistics) and 0.14 (7.000000000000001) to row 8
    torch.testing.assert_close(original, torch.tensor([20.0, 20.75, 28.0, 8.0, 0.0, 50.0]), atol=0, rtol=0)
    torch.testing.assert_close(linear, torch.tensor([20.0, 20.25, 29.0, 7.0, 0.0, 50.0]), atol=1e-5, rtol=0)


def test_psi_selects_the_batch_norm_statistics_of_the_weights(tmp_path, gen) -> None:
    state = published_state_dict()
    for key in state:
        if key.endswith("running_means"):
            state[key][20] += 1.0  # the statistics stored for truncation 0.4 only
    _, weights = write_biggan(tmp_path, state=state)
    other = load_generator(weights)
    z, labels = gen.seed_latent(5)[None], _one_hot(1)
    assert (other.synthesize(z, labels, torch.tensor([0.4])) - gen.synthesize(z, labels, torch.tensor([0.4]))).abs().max() > 1e-2
    assert torch.equal(other.synthesize(z, labels, torch.tensor([0.6])), gen.synthesize(z, labels, torch.tensor([0.6])))


def test_each_frame_gets_its_own_truncation(gen) -> None:
    z = torch.stack([gen.seed_latent(s) for s in range(3)])
    labels, psi = _one_hot(1, 2, 3), torch.tensor([0.4, 0.55, 1.0])
    singles = torch.cat([gen.synthesize(z[i : i + 1], labels[i : i + 1], psi[i : i + 1]) for i in range(3)])
    torch.testing.assert_close(gen.synthesize(z, labels, psi), singles, atol=1e-5, rtol=0)
    with pytest.raises(RenderError, match="between 0 and 1"):
        gen.synthesize(z, labels, torch.tensor([0.4, 1.5, 1.0]))


def test_linear_statistics_survive_conversion(tmp_path, tiny) -> None:
    linear = load_generator(tiny[0], options={"bn_stats": "linear"})
    convert_checkpoint(tiny[0], tmp_path / "lin.safetensors", options={"bn_stats": "linear"})
    native = load_generator(tmp_path / "lin.safetensors")
    z, labels, psi = linear.seed_latent(0)[None], _one_hot(9), torch.tensor([0.405])
    assert torch.equal(native.synthesize(z, labels, psi), linear.synthesize(z, labels, psi))
    assert not torch.equal(load_generator(tiny[0]).synthesize(z, labels, psi), linear.synthesize(z, labels, psi))
    _refused(tiny[0], "bn_stats must be one of original, linear", bn_stats="cubic")


# -- classes ----------------------------------------------------------------------------------

def test_the_1000_imagenet_classes_are_addressable_by_unique_names(gen) -> None:
    assert len(IMAGENET_CLASSES) == 1000 == len({n.lower() for n in IMAGENET_CLASSES})
    info = gen.info
    assert info.class_index("golden retriever") == 207 == info.class_index("Golden Retriever") == info.class_index(207)
    assert (info.class_index("tench"), info.class_index("toilet tissue")) == (0, 999)
    assert info.class_index("Cardigan Welsh corgi") == 264 and info.class_index("cardigan") == 474
    assert (info.class_index("crane bird"), info.class_index("crane")) == (134, 517)
    assert (info.class_index("maillot"), info.class_index("maillot tank suit")) == (638, 639)


def test_soft_labels_blend_class_embeddings_linearly(gen) -> None:
    z = gen.seed_latent(3)[None]
    blend = 0.3 * _one_hot(207) + 0.7 * _one_hot(1)
    w = gen.in_space(StyleSettings(space="w"))
    mixed = 0.3 * w.seed_latent(3, 207) + 0.7 * w.seed_latent(3, 1)  # the same z, embeddings blended
    torch.testing.assert_close(w.synthesize(mixed[None], None, torch.tensor([0.5])), gen.synthesize(z, blend, torch.tensor([0.5])), atol=1e-6, rtol=0)
    assert (gen.synthesize(z, blend) - gen.synthesize(z, _one_hot(207))).abs().max() > 1e-3


# -- the w space: [z, class embedding] ----------------------------------------------------------

def test_w_is_the_conditioning_vector_and_truncates_its_z_half(gen) -> None:
    w = gen.in_space(StyleSettings(space="w"))
    assert w.info.latent_shape == (16,) and w.net is gen.net
    key = w.seed_latent(11, 207)
    assert torch.equal(key[:8], gen.seed_latent(11))
    psi = torch.tensor([0.4])
    assert torch.equal(w.synthesize(key[None], None, psi), gen.synthesize(gen.seed_latent(11)[None], _one_hot(207), psi))
    assert w.map(key[None]) is not None and gen.map(key[None, :8]) is None
    centre = w.seed_latent(2, 5)
    pulled = w.in_space(StyleSettings(space="w", centre=centre))
    flat = pulled.synthesize(torch.stack([key, w.seed_latent(12, 207)]), None, torch.zeros(2))
    torch.testing.assert_close(flat[0], flat[1], atol=1e-6, rtol=0)  # psi 0: every z is the centre's, the class stays
    for settings, match in [(StyleSettings(space="w+"), "has z and w"), (StyleSettings(cutoff=4), "cutoff"), (StyleSettings(noise="random"), "noise")]:
        with pytest.raises(ValueError, match=match):
            gen.in_space(settings)


def test_the_example_plans_in_w_too(tiny) -> None:
    from typer.testing import CliRunner

    from odyssey.cli import app
    from tests.conftest import REPO

    args = ["check", str(REPO / "paths/your-models/biggan-classes.yaml"), "--json", "--set", f"model={tiny[0]}", "--set", "space=w", "--set", "fps=2"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["frames"] > 0
