"""Hostile pytorch_GAN_zoo files: code is refused and never runs; huge declarations fail fast."""

from __future__ import annotations

import os
import time

import pytest
import torch

from gan_zoo_testkit import pgan_config, pgan_state, save_zoo
from odyssey.adapters import load_generator
from odyssey.errors import CheckpointError


def _refused(path, match: str) -> str:
    started = time.perf_counter()
    with pytest.raises(CheckpointError, match=match) as info:
        load_generator(path)
    assert time.perf_counter() - started < 5
    message = str(info.value)
    assert "\n" not in message and len(message) < 700 and str(path) in message
    return message


class _Payload:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class _Exec:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').close()",))


@pytest.mark.parametrize("payload", [_Payload, _Exec])
@pytest.mark.parametrize("where", ["config", "netD"])
def test_a_payload_in_the_file_is_refused_and_never_runs(tmp_path, payload, where):
    marker = tmp_path / "ran"
    content = {"config": pgan_config(), "netG": pgan_state(), "netD": {}}
    content[where] = payload(str(marker))
    path = tmp_path / "evil.pth"
    torch.save(content, path)
    assert marker.exists() is False
    message = _refused(path, "refuses to execute code")
    assert "system" in message or "exec" in message
    assert not marker.exists()


def test_their_config_class_is_admitted_as_an_inert_record_only(tmp_path):
    """BaseConfig loads under its exact name (or a vendored copy's); called with arguments, it is refused."""
    plain = save_zoo(tmp_path / "plain.pth", pgan_state(), pgan_config(alpha=0.25, depthOtherScales=[8, 8]))
    vendored = save_zoo(tmp_path / "vendored.pth", pgan_state(), pgan_config(alpha=0.25), module="gan_zoo_copy.models.utils.config")
    for path in (plain, vendored):
        assert load_generator(path).net.alpha == 0.25
    other = save_zoo(tmp_path / "other.pth", pgan_state(), pgan_config(), module="evil.config")
    _refused(other, r"asks for evil\.config\.BaseConfig")


def test_too_many_scales_fail_fast_without_building(tmp_path):
    state = pgan_state(depths=(8,))
    state.update({f"toRGBLayers.{i}.module.weight": torch.zeros(3, 8, 1, 1) for i in range(1, 40)})
    path = tmp_path / "tall.pth"
    torch.save(state, path)
    _refused(path, "40 scales; at most 13")


def test_a_config_declaring_huge_widths_is_refused_before_any_allocation(tmp_path):
    path = save_zoo(tmp_path / "huge.pth", pgan_state(), pgan_config(depthScale0=1 << 20, depthOtherScales=[1 << 20, 1 << 20]))
    _refused(path, "depthScale0 is 1048576 but the weights give 16")


def test_attributes_with_too_many_combinations_are_refused(tmp_path):
    attrs = {f"a{i}": {"order": i, "values": [str(v) for v in range(10)]} for i in range(5)}  # 10^5 combinations
    path = save_zoo(tmp_path / "attrs.pth", pgan_state(dim_latent=66), pgan_config(dim_latent=66, noiseVectorDim=16, attribKeysOrder=attrs))
    _refused(path, "100000 value combinations; odyssey takes at most 10000")


def test_weights_that_do_not_chain_are_refused_on_the_meta_device(tmp_path):
    state = pgan_state()
    state["scaleLayers.1.0.module.weight"] = torch.zeros(8, 5, 3, 3)  # expects 8 inputs from the previous scale
    path = tmp_path / "broken.pth"
    torch.save(state, path)
    _refused(path, r"scaleLayers\.1\.0\.module\.weight has shape \(8, 5, 3, 3\)")


def test_calling_the_admitted_config_class_is_refused(tmp_path):
    """Only NEWOBJ + BUILD (how pickle stores an instance) make a record; a call with arguments is refused."""
    from gan_zoo_testkit import _Modules

    path = tmp_path / "called.pth"
    with _Modules("models.utils.config") as BaseConfig:
        BaseConfig.__reduce__ = lambda self: (type(self), ("rm -rf /",))
        torch.save({"config": BaseConfig(), "netG": pgan_state()}, path)
    _refused(path, "corrupt")
