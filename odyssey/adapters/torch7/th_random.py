"""Torch7's random numbers, bit for bit: what ``torch.manualSeed(s); t:normal(0, 1)`` draws in Lua.

Torch7 (``lib/TH/THRandom.c``, ``lib/TH/generic/THTensorRandom.c``) draws every random
number from one Mersenne Twister (MT19937) per process:

* ``torch.manualSeed(seed)`` resets the generator (also the cached normal) and seeds MT19937
  with ``init_genrand(seed & 0xffffffff)``: ``state[0] = seed``, ``state[j] = 1812433253 *
  (state[j-1] ^ (state[j-1] >> 30)) + j`` (mod 2**32), the first draw twists all 624 words;
* a uniform double in [0, 1) is one tempered 32-bit word divided by 2**32;
* ``tensor:uniform(a, b)`` fills the tensor in memory order with ``u * (b - a) + a``, each
  rounded to the tensor's type (float32 here);
* ``tensor:normal(mean, std)`` fills it in memory order with Box-Muller pairs: the first
  call draws ``x = u()``, ``y = u()``, ``rho = sqrt(-2 log(1 - y))`` and returns
  ``rho cos(2 pi x)``; the second returns ``rho sin(2 pi x)`` from the cached pair; then again.

The arithmetic below is done in Python floats (IEEE doubles) with the C library's ``log``,
``sqrt``, ``cos`` and ``sin`` (Python's ``math`` calls them), in the order THRandom.c writes it,
so values equal Lua's on the same C library; float32 rounding makes even a last-bit
difference in ``cos`` almost never visible. (Torch7 seeds its generator at start-up from
/dev/urandom (``time(0)`` on Windows), so a script that never calls ``torch.manualSeed`` --
such as art-DCGAN's ``generate.lua`` -- has no seed to match; ``seed: s`` here means what
``torch.manualSeed(s)`` right before the draw gives.)
"""

from __future__ import annotations

import math

import numpy as np

N_WORDS = 624
M_SHIFT = 397
MATRIX_A = 0x9908B0DF
UPPER = 0x80000000
LOWER = 0x7FFFFFFF
MASK32 = 0xFFFFFFFF


class TorchGenerator:
    """Torch7's ``THGenerator``: MT19937 plus the cached second Box-Muller value."""

    def __init__(self, seed: int) -> None:
        state = [int(seed) & MASK32]
        for j in range(1, N_WORDS):
            prev = state[-1]
            state.append((1812433253 * (prev ^ (prev >> 30)) + j) & MASK32)
        self.state = state
        self.next = N_WORDS  # THRandom_manualSeed sets left = 1: the first draw twists
        self.normal_valid = False
        self.normal_x = 0.0
        self.normal_rho = 0.0

    def _twist(self) -> None:
        s = self.state
        for i in range(N_WORDS):
            mixed = (s[i] & UPPER) | (s[(i + 1) % N_WORDS] & LOWER)
            s[i] = s[(i + M_SHIFT) % N_WORDS] ^ (mixed >> 1) ^ (MATRIX_A if s[(i + 1) % N_WORDS] & 1 else 0)
        self.next = 0

    def random32(self) -> int:
        """``THRandom_random``: the next tempered 32-bit word."""
        if self.next >= N_WORDS:
            self._twist()
        y = self.state[self.next]
        self.next += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C5680
        y ^= (y << 15) & 0xEFC60000
        y ^= y >> 18
        return y & MASK32

    def uniform(self, a: float = 0.0, b: float = 1.0) -> float:
        """``THRandom_uniform``: ``random32 / 2**32 * (b - a) + a`` (a double)."""
        return self.random32() * (1.0 / 4294967296.0) * (b - a) + a

    def normal(self, mean: float = 0.0, std: float = 1.0) -> float:
        """``THRandom_normal``: Box-Muller, cos of a fresh pair first, then sin of the same pair."""
        if not self.normal_valid:
            self.normal_x = self.uniform()
            y = self.uniform()
            self.normal_rho = math.sqrt(-2.0 * math.log(1.0 - y))
            self.normal_valid = True
            return self.normal_rho * math.cos(2.0 * math.pi * self.normal_x) * std + mean
        self.normal_valid = False
        return self.normal_rho * math.sin(2.0 * math.pi * self.normal_x) * std + mean


def torch7_normal(seed: int, count: int) -> np.ndarray:
    """``torch.manualSeed(seed); torch.FloatTensor(count):normal(0, 1)`` as a float32 array ``(count,)``."""
    gen = TorchGenerator(seed)
    return np.array([gen.normal() for _ in range(count)], dtype=np.float64).astype(np.float32)


def torch7_uniform(seed: int, count: int, low: float = -1.0, high: float = 1.0) -> np.ndarray:
    """``torch.manualSeed(seed); torch.FloatTensor(count):uniform(low, high)`` as float32 ``(count,)``."""
    gen = TorchGenerator(seed)
    return np.array([gen.uniform(low, high) for _ in range(count)], dtype=np.float64).astype(np.float32)
