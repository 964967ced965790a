"""How a render is run, from the command line: ``--shard K/N``, ``--ray``, ``--ray-workers``.

Checked here, without torch, so ``odyssey render`` refuses a mistyped option in
milliseconds, before it says what it is rendering and loads anything.
"""

from __future__ import annotations

import re

from odyssey.errors import ConfigError

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def parse_shard(text: str) -> tuple[int, int]:
    """``"K/N"`` -> ``(K, N)``, with 0 <= K < N (Slurm's ``$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT``)."""
    match = _SHARD.match(str(text))
    if not match:
        raise ConfigError(f"--shard {text!r}: write K/N, e.g. --shard 0/4 for the first of four shards")
    k, n = int(match.group(1)), int(match.group(2))
    if n < 1 or not 0 <= k < n:
        raise ConfigError(f"--shard {text}: K must be 0 to N-1 and N at least 1 (shards are numbered from 0), e.g. 0/{max(n, 2)}")
    return k, n


def check_run_options(shard: str | tuple[int, int] | None, ray: str | None, ray_workers: int | None) -> tuple[int, int] | None:
    """The shard ``(K, N)`` (or None) after checking that the options go together."""
    if shard is not None and ray is not None:
        raise ConfigError("--shard and --ray split the work in two different ways; use one of them")
    if ray_workers is not None and ray is None:
        raise ConfigError("--ray-workers sets how many Ray workers render; add --ray (or drop --ray-workers)")
    return parse_shard(shard) if isinstance(shard, str) else shard
