"""Segments on a Ray cluster: one actor per GPU (or per share of the CPUs) holding the model once.

``odyssey render PATH.yaml --ray [ADDRESS]`` connects to a cluster (``ray.init(ADDRESS)``;
without an address Ray starts one on this machine, or joins ``$RAY_ADDRESS``), then:

* **Resources are checked first.** A task asking for a GPU on a cluster without one waits
  forever, so GPUs are requested only where ``cluster_resources()`` has them: one actor
  per GPU (``num_gpus=1``), at most one per GPU. A CPU-only cluster gets one actor per two
  CPUs (generator and encoder side by side), or ``workers`` actors sharing the CPUs.
  ``device: cuda`` on a cluster without GPUs is an error, not a hang.
* **The model and the plan travel once, through the object store.** The driver plans the
  path (as a local render would) and puts the generator, the trajectory and the pinned
  encoding in the object store; every actor builds its renderer from them. Workers need
  odyssey (the same version) installed, but no path file, checkpoint or shared folder.
  A model that cannot be pickled is loaded by each worker from the path file instead,
  and must then sit at the same path on every machine.
* **Segments come back through the object store**, as bytes: each actor encodes into a
  temp folder of its own machine and returns the file; the driver writes it into the work
  folder, verifies and records it. So resume state lives with the driver and no shared
  filesystem is needed (KubeRay pods rarely share one); 30 s of 4K is tens to hundreds of MB.
* **Lost workers are retried**: actors restart (``max_restarts``) and their task is run
  again (``max_task_retries``); the frames are a pure function of their index, so a retried
  segment is identical. Segments are handed out in plan order, recorded as they arrive
  and joined in plan order.

Ray is optional (``pip install 'odyssey[ray]'``) and imported only here, only when asked.
``ray.init`` takes seconds (5-9 s on the 2-core CI machine), so it is not the default.
"""

from __future__ import annotations

import logging
import tempfile
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from odyssey.config import OdysseyConfig, RenderSettings
from odyssey.errors import OdysseyError, RenderError
from odyssey.models.base import Generator
from odyssey.plan.job import plan_config
from odyssey.plan.trajectory import Trajectory
from odyssey.segments.encode import (
    SegmentEncoder,
    finish_segment,
    pack_segment,
    unpack_segment,
)
from odyssey.segments.encoding import Encoding
from odyssey.segments.manifest import Manifest
from odyssey.segments.plan import Segment
from odyssey.segments.session import RenderSession

MAX_RETRIES = 3
INSTALL_HINT = "Ray is not installed; install it with: pip install 'odyssey[ray]' (the plain `ray` package)"


def import_ray() -> Any:
    """The ``ray`` module, or a one-line RenderError saying how to install it."""
    try:
        import ray
    except ImportError:
        raise RenderError(INSTALL_HINT) from None
    return ray


def connect(ray: Any, address: str | None) -> bool:
    """``ray.init`` (local when ``address`` is None/"local"); True if this call started Ray."""
    if ray.is_initialized():
        return False
    target = None if address in (None, "", "local") else address
    try:
        ray.init(address=target, include_dashboard=False, logging_level=logging.WARNING, log_to_driver=False)
    except Exception as exc:  # Ray raises ConnectionError, RuntimeError, ValueError... for a bad address
        where = f"at {target}" if target else "on this machine"
        detail = " ".join(str(exc).split())[:200]
        raise RenderError(
            f"cannot start or reach a Ray cluster {where} ({type(exc).__name__}: {detail}); "
            "start one with `ray start --head`, or leave out the address to start one here"
        ) from None
    return True


def plan_workers(resources: dict[str, float], device: str, workers: int | None) -> tuple[int, dict[str, float]]:
    """How many actors, and the resources each asks for, on a cluster with ``resources``."""
    gpus, cpus = int(resources.get("GPU", 0)), int(resources.get("CPU", 0))
    if workers is not None and workers < 1:
        raise RenderError(f"--ray-workers must be at least 1, got {workers}")
    if device == "cuda" and gpus == 0:
        raise RenderError("device: cuda was asked for, but the Ray cluster has no GPUs; use device: auto or cpu, or a cluster with GPUs")
    if gpus and device in ("auto", "cuda"):
        return min(workers or gpus, gpus), {"num_gpus": 1, "num_cpus": 1}
    if cpus < 1:
        raise RenderError("the Ray cluster has no CPUs to render on; check `ray status`")
    count = min(workers or max(1, cpus // 2), cpus)
    return count, {"num_cpus": max(1, cpus // count)}


class SegmentWorker:
    """A Ray actor's body: a ``SegmentEncoder`` built once, then one segment per ``render`` call."""

    def __init__(self, payload: dict[str, Any]) -> None:
        generator, trajectory = payload.get("generator"), payload.get("trajectory")
        if generator is None or trajectory is None:  # a model that cannot be pickled: load and plan here (the files must be here too)
            generator, trajectory = plan_config(payload["config"])
        self.encoder = SegmentEncoder(generator, trajectory, payload["settings"], payload["encoding"])

    def render(self, segment: Segment) -> dict[str, bytes]:
        """Render and encode ``segment`` in a temp folder of this machine; return its bytes."""
        with tempfile.TemporaryDirectory(prefix="odyssey-segment-") as folder, self.encoder:
            return pack_segment(self.encoder.encode(segment, Path(folder)))


def render_on_ray(
    session: RenderSession,
    manifest: Manifest,
    generator: Generator,
    trajectory: Trajectory,
    settings: RenderSettings,
    todo: list[Segment],
    *,
    address: str | None,
    workers: int | None = None,
    on_done: Callable[[int], None] | None = None,
    log: Callable[[str], None] | None = None,
) -> None:
    """Render ``todo`` on Ray actors; each segment is verified and recorded by this process."""
    ray = import_ray()
    started = connect(ray, address)
    actors: list[Any] = []
    try:
        count, resources = plan_workers(ray.cluster_resources(), settings.device, workers)
        count = min(count, len(todo))
        if log:
            kind = f"{resources.get('num_gpus', 0):g} GPU" if resources.get("num_gpus") else f"{resources['num_cpus']:g} CPU"
            log(f"ray: {len(todo)} segment(s) on {count} worker(s), {kind} each")
        payload = _payload(ray, session.config, generator, trajectory, settings, session.encoding)
        worker_class = ray.remote(SegmentWorker).options(max_restarts=MAX_RETRIES, max_task_retries=MAX_RETRIES, **resources)
        actors = [worker_class.remote(payload) for _ in range(count)]
        queue, idle, running = deque(todo), list(actors), {}
        while queue or running:
            while queue and idle:
                actor, segment = idle.pop(), queue.popleft()
                running[actor.render.remote(segment)] = (segment, actor)
            ready, _ = ray.wait(list(running), num_returns=1)
            for ref in ready:
                segment, actor = running.pop(ref)
                files = _fetch(ray, ref, segment)
                media = unpack_segment(session.workspace.path, files)
                finish_segment(session.workspace, segment, session.encoding, media)
                if on_done:
                    on_done(segment.frames)
                idle.append(actor)
    finally:
        for actor in actors:
            try:
                ray.kill(actor)
            except Exception:  # already gone
                pass
        if started:
            ray.shutdown()


def _payload(ray: Any, config: OdysseyConfig, generator: Generator, trajectory: Trajectory, settings: RenderSettings, encoding: Encoding) -> Any:
    """The object-store reference every actor starts from: the model and plan, or the config."""
    base = {"settings": settings, "encoding": encoding, "config": config}
    try:
        return ray.put({**base, "generator": generator, "trajectory": trajectory})
    except Exception:  # not picklable (a TorchScript module, say): workers load it themselves
        return ray.put(base)


def _fetch(ray: Any, ref: Any, segment: Segment) -> dict[str, bytes]:
    """A finished segment's bytes; typed errors from the worker come back as themselves."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as exc:
        cause = getattr(exc, "cause", None)
        if isinstance(cause, OdysseyError):
            raise cause from None
        detail = " ".join(str(cause or exc).split())[:300]
        raise RenderError(f"{segment.describe()} failed on a Ray worker: {type(cause or exc).__name__}: {detail}") from None
    except ray.exceptions.RayActorError as exc:
        detail = " ".join(str(exc).split())[:200]
        raise RenderError(f"the Ray worker rendering {segment.describe()} died {MAX_RETRIES + 1} times; giving up ({detail})") from None
