"""Hostile network pickles: bombs, runaway nesting, lying kwargs and tensors are refused fast, in one line."""

from __future__ import annotations

import collections
import time

import pytest
import torch
from torch import nn

from odyssey.adapters import load_generator
from odyssey.errors import CheckpointError
from persistence_standin import EasyDict, dump_network_pickle, dumps_network_pickle, persistent
from stylegan_testkit import build, nvidia_like


def _stored(**extra) -> nn.Module:
    net, kwargs = build("sg2-skip")
    return persistent(nvidia_like(net), **kwargs, **extra)


def _refused(path, match: str, seconds: float = 20.0) -> str:
    started = time.perf_counter()
    with pytest.raises(CheckpointError, match=match) as info:
        load_generator(path)
    assert time.perf_counter() - started < seconds
    message = str(info.value)
    assert "\n" not in message and len(message) < 600 and str(path) in message
    return message


def test_a_billion_laughs_in_the_kwargs_is_refused_without_expanding_it(tmp_path):
    laughs: list = ["lol"] * 10
    for _ in range(8):  # 10^9 values once expanded; a few hundred bytes in the file
        laughs = [laughs] * 10
    path = dump_network_pickle(tmp_path / "bomb.pkl", G_ema=_stored(fork_option=laughs))
    plain = dump_network_pickle(tmp_path / "plain.pkl", G_ema=_stored())
    assert path.stat().st_size < plain.stat().st_size + 2000  # the bomb itself is tiny
    _refused(path, "more than 1000000 values")


def test_nesting_without_end_is_refused_not_a_recursion_error(tmp_path):
    deep: list = []
    for _ in range(200):
        deep = [deep]
    _refused(dump_network_pickle(tmp_path / "deep.pkl", G_ema=_stored(fork_option=deep)), "nested more than 64 levels")
    chain: nn.Module = _stored()
    for _ in range(100):  # a chain of modules, each holding the next
        chain = nn.Sequential(chain)
    path = tmp_path / "chain.pkl"
    path.write_bytes(dumps_network_pickle({"G_ema": chain}))
    _refused(path, "nested more than 64 levels")


def test_kwargs_that_ask_for_more_than_the_weights_never_allocate(tmp_path):
    net, kwargs = build("sg2-skip")
    huge = {**kwargs, "synthesis_kwargs": EasyDict(kwargs["synthesis_kwargs"], channel_base=1 << 16, channel_max=1 << 16)}
    path = dump_network_pickle(tmp_path / "huge.pkl", G_ema=persistent(nvidia_like(net), **huge))
    _refused(path, "do not fit")  # checked on the meta device: a 64k-channel net is never built
    beyond = {**kwargs, "synthesis_kwargs": EasyDict(kwargs["synthesis_kwargs"], channel_max=1 << 30)}
    _refused(dump_network_pickle(tmp_path / "beyond.pkl", G_ema=persistent(nvidia_like(net), **beyond)), "beyond any generator's sizes")


class _OversizedTensor:
    """Pickles as a tensor that declares 100 values over a storage of 4."""

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2, (torch.zeros(4).storage(), 0, (100,), (1,), False, collections.OrderedDict()))


def test_a_tensor_larger_than_its_storage_is_refused(tmp_path):
    path = dump_network_pickle(tmp_path / "stride.pkl", G_ema=_stored(), training_set_kwargs={"evil": _OversizedTensor()})
    _refused(path, "needs 100 values but its storage holds 4")
