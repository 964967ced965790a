"""Render: a ``Trajectory`` -> uint8 frames, generated in batches on the GPU (or the CPU).

The second step of plan -> render -> write. It knows devices, precision and batching,
and nothing of YAML; it hands frames to ``odyssey.writers`` through a bounded queue.

* ``generate``: ``Renderer`` (batches on the device, CUDA OOM retried at half the batch);
* ``frames``: generator images -> packed RGB or planar yuv420p uint8, resized on the device;
* ``pipeline``: the bounded queue between generation and encoding; torch's CPU share;
* ``film``: ``render`` (a trajectory to one file) and ``iter_frames``, for Python;
* ``preview``: contact sheets (``odyssey preview``).
"""

from odyssey.config.render_settings import RenderSettings, output_size
from odyssey.renderer.film import iter_frames, render
from odyssey.renderer.generate import Renderer, auto_batch_size, autocast_dtype

__all__ = ["RenderSettings", "Renderer", "auto_batch_size", "autocast_dtype", "iter_frames", "output_size", "render"]
