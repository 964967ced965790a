"""``odyssey explore``: a studio in the browser to find the film before rendering it.

A small web server (Starlette on uvicorn, the ``explore`` extra) over ``odyssey.api``
and a static page shipped in ``static/`` (plain HTML, JS and CSS: no build step, no CDN).
The page browses seeds, maps a plane through the latent space and takes a drawn stroke
on it, plays the planned path back, edits its timing, and writes a path file that
``odyssey render`` renders to exactly the previewed frames.

* ``documents``: path files as the page edits them (loading, file names, export);
* ``guard``: what the server may read and write (its own folder only), tokens, hosts;
* ``channels``: generation requests where the newest wins and stale ones stop;
* ``session``: the model, the caches and what each endpoint computes;
* ``renders``: ``odyssey render`` of an exported file in the background, with progress;
* ``app``: the routes; ``server``: uvicorn, the URL, Ctrl-C.

Only ``server`` and ``app`` import the extra, and only when the command runs.
"""

from __future__ import annotations

import importlib.util

EXTRA_HINT = "odyssey explore needs the explore extra: pip install 'odyssey[explore]'"
EXTRA_MODULES = ("starlette", "uvicorn")


def missing_extra() -> str | None:
    """The one-line hint if a package of the ``explore`` extra is not installed, else None."""
    missing = [name for name in EXTRA_MODULES if importlib.util.find_spec(name) is None]
    return f"{EXTRA_HINT} (missing: {', '.join(missing)})" if missing else None
