"""What the ProGAN / StyleGAN (v1) TF mappings refuse, each with one line naming the problem."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pytest

from odyssey.adapters.tfpickle import progan_tf, sg1_tf
from odyssey.errors import CheckpointError
from tfv1_testkit import progan_record, sg1_record


def _one_line(exc: pytest.ExceptionInfo) -> str:
    text = str(exc.value)
    assert "\n" not in text and text.startswith("net.pkl: ")
    return text


def test_progan_refuses_bad_variables() -> None:
    rec = progan_record()
    rec.variables["4x4/Extra/weight"] = np.zeros((3, 3), np.float32)
    with pytest.raises(CheckpointError, match="TF variable '4x4/Extra/weight'.*another") as exc:
        progan_tf.from_tf(rec, "net.pkl")
    _one_line(exc)

    rec = progan_record()
    del rec.variables["8x8/Conv1/bias"]
    with pytest.raises(CheckpointError, match="missing blocks.b8.bias1"):
        progan_tf.from_tf(rec, "net.pkl")

    rec = progan_record()
    rec.variables["8x8/Conv1/weight"] = np.zeros((3, 3), np.float32)
    with pytest.raises(CheckpointError, match="8x8/Conv1/weight has shape \\(3, 3\\), not 4-D"):
        progan_tf.from_tf(rec, "net.pkl")

    rec = progan_record()
    rec.variables["4x4/Conv/bias"] = np.zeros(16, np.int64)
    with pytest.raises(CheckpointError, match="4x4/Conv/bias is a ndarray of int64, not a float array"):
        progan_tf.from_tf(rec, "net.pkl")

    rec = progan_record()
    rec.variables["lod"] = np.float32("nan")
    with pytest.raises(CheckpointError, match="TF variable lod is nan"):
        progan_tf.from_tf(rec, "net.pkl")


def test_progan_refuses_kwargs_that_do_not_fit_the_weights() -> None:
    rec = progan_record()
    rec.static_kwargs["resolution"] = 32
    with pytest.raises(CheckpointError, match="do not fit the ProGAN generator") as exc:
        progan_tf.from_tf(rec, "net.pkl")
    _one_line(exc)
    for key, value, message in [("structure", "weird", "structure='weird' is not supported"), ("resolution", 24, "power of two"), ("fmap_base", "big", "fmap_base='big' is not an integer")]:
        rec = progan_record()
        rec.static_kwargs[key] = value
        with pytest.raises(CheckpointError, match=message):
            progan_tf.from_tf(rec, "net.pkl")
    rec = progan_record()
    rec.build_func_name = "G_mystery"
    with pytest.raises(CheckpointError, match="built by 'G_mystery', not ProGAN's G_paper"):
        progan_tf.from_tf(rec, "net.pkl")


def test_huge_declared_sizes_fail_fast_without_allocating() -> None:
    for make, module in [(progan_record, progan_tf), (sg1_record, sg1_tf)]:
        rec = make()
        rec.static_kwargs.update(resolution=1 << 17, fmap_base=1 << 17, fmap_max=1 << 17)
        for part in rec.components.values():
            part.static_kwargs.update(resolution=1 << 17, fmap_base=1 << 17, fmap_max=1 << 17, dlatent_broadcast=32)
        start = time.perf_counter()
        with pytest.raises(CheckpointError, match="do not fit"):
            module.from_tf(rec, "net.pkl")
        assert time.perf_counter() - start < 2.0
        rec.static_kwargs["resolution"] = 1 << 40
        with pytest.raises(CheckpointError, match="beyond any generator's sizes"):
            module.from_tf(rec, "net.pkl")


def test_unknown_kwargs_warn_by_name_and_change_nothing() -> None:
    plain = progan_tf.from_tf(progan_record(), "net.pkl")
    with pytest.warns(UserWarning, match="G_paper do not take.*: fork_option"):
        extra = progan_tf.from_tf(progan_record(fork_option=3), "net.pkl")
    assert extra.net.kwargs() == plain.net.kwargs()
    with pytest.warns(UserWarning, match="G_style/G_mapping/G_synthesis do not take.*: resolution_w"):
        sg1_tf.from_tf(sg1_record(resolution_w=16), "net.pkl")
    with pytest.warns(UserWarning, match="'float16'; odyssey computes in float32"):
        sg1_tf.from_tf(sg1_record(dtype="float16"), "net.pkl")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # G_style's own kwargs (truncation, ...) are known: no warning
        sg1_tf.from_tf(sg1_record(truncation_psi=0.5, truncation_cutoff=4, style_mixing_prob=0.9), "net.pkl")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.static_kwargs.update(use_styles=False), "use_styles=False .* not supported"),
        (lambda r: r.static_kwargs.update(fused_scale="maybe"), "fused_scale='maybe' is not supported"),
        (lambda r: r.static_kwargs.update(nonlinearity="tanh"), "nonlinearity='tanh' is not supported"),
        (lambda r: r.components["mapping"].static_kwargs.update(dlatent_broadcast=7), "broadcasts w to 7 layers, but 16 px has 6"),
        (lambda r: r.components.pop("mapping"), "no 'mapping' component"),
        (lambda r: setattr(r.components["synthesis"], "build_func_name", "G_synthesis_fork"), "built by 'G_synthesis_fork'"),
        (lambda r: r.components["synthesis"].variables.update({"4x4/Const/Fork/weight": np.zeros(2, np.float32)}), "'4x4/Const/Fork/weight'"),
        (lambda r: r.components["synthesis"].variables.update({"8x8/Conv/weight": np.zeros((3, 3, 2, 2), np.float32)}), "'8x8/Conv/weight'"),
        (lambda r: r.components["mapping"].variables.pop("Dense1/bias"), "missing mapping.fc.1.bias"),
        (lambda r: r.variables.update(dlatent_avg=np.zeros(5, np.float32)), "mapping.w_avg has shape \\(5,\\)"),
        (lambda r: r.variables.update(extra=np.zeros(5, np.float32)), "G_style has a TF variable 'extra'"),
    ],
)
def test_stylegan1_refusals(change, message: str) -> None:
    rec = sg1_record()
    change(rec)
    with pytest.raises(CheckpointError, match=message) as exc:
        sg1_tf.from_tf(rec, "net.pkl")
    _one_line(exc)
