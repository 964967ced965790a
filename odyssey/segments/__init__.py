"""Long renders that survive and scale: segments, resume, shards, Ray, a verified join.

A render is planned as segments (``plan``: about 30 s of video each) of frames
``[start, end)``; every frame is a pure function of its global index, so the same frames
come out however the work is split. Each segment is encoded with the same pinned settings
(``encoding``), written under a temp name and renamed when complete (``encode``), read
back and recorded as finished in the render's work folder (``manifest``, ``verify``).
The work folder is named by a key hashed from the plan, the model's weights, the encoder
settings and odyssey's version (``key``), so rerunning a render resumes it and a changed
render starts afresh. Segments are joined without re-encoding and the result is checked
packet by packet before it is moved onto the output (``join``).

``session`` is a render's identity from its path file alone (encoding, key, work folder);
``runner`` ties everything together for ``odyssey render`` (in this process, one
``--shard`` of several, or on Ray with ``ray_runner``) and ``odyssey join``. This package
sits just below ``odyssey.api``: it uses the planner, renderer and writers, and the CLI
reaches it only through the API.
"""

from odyssey.segments.plan import (
    DEFAULT_SEGMENT_SECONDS,
    Segment,
    parse_shard,
    plan_segments,
    shard_segments,
)
from odyssey.segments.runner import (
    join_path_file,
    join_session,
    render_path_file,
    render_segments,
    session_from_manifest,
)
from odyssey.segments.session import Interrupted, RenderSession, SegmentReport

__all__ = [
    "DEFAULT_SEGMENT_SECONDS",
    "Interrupted",
    "RenderSession",
    "Segment",
    "SegmentReport",
    "join_path_file",
    "join_session",
    "parse_shard",
    "plan_segments",
    "render_path_file",
    "render_segments",
    "session_from_manifest",
    "shard_segments",
]
