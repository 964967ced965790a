"""Plan: a path file and a model -> a ``Trajectory``, the data the renderer draws.

The first step of plan -> render -> write. Everything here knows the model (seeds become
latents through it, ``pca:K`` directions and image measures are computed with it) but
nothing of devices, encoders or output files; the math it hands legs to is
``odyssey.paths``.

* ``job``: ``load_job`` (path file -> validated config, styled model, trajectory) and
  ``plan_config``;
* ``planner``: ``plan_trajectory``, the legs laid on frames with truncation and controls;
* ``assemble``: leg specs of the path file -> legs of ``odyssey.paths``, joined;
* ``keyframes``, ``images``, ``directions``: seeds, vectors, pictures, ``pca:K``;
* ``styles``: the model in the path's space (z, w, w+), noise, truncation cutoff/centre;
* ``timing``, ``scripted``: keyframe timing; paths built from Python (``keyframe_path``);
* ``trajectory``: ``Trajectory``, per-frame latents, labels, truncation, controls;
* ``measure``, ``summary``, ``plot``: what ``odyssey check`` reports and draws.
"""

from odyssey.plan.job import Job, load_job, plan_config
from odyssey.plan.planner import plan_trajectory
from odyssey.plan.scripted import build_trajectory, keyframe_path
from odyssey.plan.styles import style_generator
from odyssey.plan.timing import Keyframe, Timing, resolve_timing
from odyssey.plan.trajectory import Trajectory

__all__ = [
    "Job", "Keyframe", "Timing", "Trajectory", "build_trajectory", "keyframe_path", "load_job", "plan_config",
    "plan_trajectory", "resolve_timing", "style_generator",
]  # fmt: skip
