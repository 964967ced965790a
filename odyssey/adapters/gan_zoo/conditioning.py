"""AC-GAN conditioning of pytorch_GAN_zoo generators: attribute one-hot blocks as classes.

Their conditional models (``attribKeysOrder`` in the config) take
``[z (noiseVectorDim), one-hot block of attribute 0, block of attribute 1, ...]``: the
attributes in their ``order``, each block as long as its ``values`` list, a 1 at the
chosen value's position (``ACGANCriterion.buildLatentCriterion``).

odyssey's labels are soft weights over ONE list of classes, so a class here is one
combination of attribute values (the Cartesian product in attribute order; with one
attribute, simply its values). ``AttributeInput`` maps soft weights over combinations
``(N, K)`` to the blocks ``(N, categoryVectorDim)`` with a fixed 0/1 matrix: a blend of
combinations blends each attribute's block, each block still summing to 1.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

MAX_COMBINATIONS = 10_000


def parse_attributes(attrib_keys_order: Any) -> list[tuple[str, list[str]]]:
    """``attribKeysOrder`` -> ``[(name, [value, ...]), ...]`` in input order.

    ValueError (the caller adds the file) if the dict is malformed: orders not 0..n-1,
    empty or repeated values, or more than ``MAX_COMBINATIONS`` combinations.
    """
    if not isinstance(attrib_keys_order, Mapping) or not attrib_keys_order:
        raise ValueError(f"attribKeysOrder must be a non-empty dict of attributes, got {type(attrib_keys_order).__name__}")
    slots: dict[int, tuple[str, list[str]]] = {}
    for name, spec in attrib_keys_order.items():
        if not isinstance(name, str) or not isinstance(spec, Mapping):
            raise ValueError(f"attribKeysOrder entry {name!r} must map a name to {{'order': int, 'values': [...]}}")
        order, values = spec.get("order"), spec.get("values")
        if isinstance(order, bool) or not isinstance(order, int):
            raise ValueError(f"attribute {name!r} has order {order!r}, not an integer")
        if not isinstance(values, (list, tuple)) or not values:
            raise ValueError(f"attribute {name!r} has no list of values")
        names = [str(v) for v in values]
        if len(set(names)) != len(names):
            raise ValueError(f"attribute {name!r} lists a value twice: {names}")
        if order in slots:
            raise ValueError(f"attributes {slots[order][0]!r} and {name!r} both have order {order}")
        slots[order] = (name, names)
    if sorted(slots) != list(range(len(slots))):
        raise ValueError(f"attribute orders must be 0..{len(slots) - 1}, got {sorted(slots)}")
    attributes = [slots[i] for i in range(len(slots))]
    combinations = math.prod(len(values) for _, values in attributes)
    if combinations > MAX_COMBINATIONS:
        raise ValueError(f"its attributes make {combinations} value combinations; odyssey takes at most {MAX_COMBINATIONS}")
    return attributes


def class_names(attributes: Sequence[Sequence[Any]]) -> list[str]:
    """One name per combination: the value itself for one attribute, else 'a=x, b=y'."""
    if len(attributes) == 1:
        return list(attributes[0][1])
    return [
        ", ".join(f"{name}={value}" for (name, _), value in zip(attributes, combo, strict=True))
        for combo in itertools.product(*(values for _, values in attributes))
    ]


def block_matrix(attributes: Sequence[Sequence[Any]]) -> torch.Tensor:
    """``(K combinations, sum of block sizes)`` 0/1: row k is combination k's one-hot blocks."""
    sizes = [len(values) for _, values in attributes]
    combos = list(itertools.product(*(range(s) for s in sizes)))
    matrix = torch.zeros(len(combos), sum(sizes))
    for row, combo in enumerate(combos):
        shift = 0
        for size, index in zip(sizes, combo, strict=True):
            matrix[row, shift + index] = 1.0
            shift += size
    return matrix


class AttributeInput(nn.Module):
    """z ``(N, noise_dim)`` and soft class weights ``(N, K)`` -> the generator's input.

    ``forward`` returns ``(x, x_mean)``, both ``(N, noise_dim + blocks)``: ``x`` the input
    for z, ``x_mean`` the same with z = 0 (the prior mean), toward which truncation pulls.
    Unconditional (no attributes): the blocks are empty and labels must be None.
    """

    def __init__(self, noise_dim: int, attributes: Sequence[Sequence[Any]] | None) -> None:
        super().__init__()
        self.noise_dim = int(noise_dim)
        self.attributes = [[str(name), [str(v) for v in values]] for name, values in (attributes or [])]
        matrix = block_matrix(self.attributes) if self.attributes else torch.zeros(0, 0)
        self.register_buffer("label_map", matrix, persistent=False)  # derived from kwargs, not stored

    @property
    def num_classes(self) -> int:
        return int(self.label_map.shape[0])

    @property
    def width(self) -> int:
        return self.noise_dim + int(self.label_map.shape[1])

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        zero = torch.zeros_like(z)
        if not self.attributes:
            return z, zero
        if labels is None:
            raise ValueError("a conditional pytorch_GAN_zoo generator needs labels")
        blocks = labels.to(self.label_map.dtype) @ self.label_map  # (N, categoryVectorDim)
        return torch.cat([z, blocks], dim=1), torch.cat([zero, blocks], dim=1)
