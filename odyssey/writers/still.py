"""Still images: one PNG written atomically (a temp name, then a rename), for previews and plots."""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image

from odyssey.errors import WriterError


def save_png(image: Image.Image, output: Path, what: str) -> Path:
    """Write ``image`` to ``output`` (.png only); ``what`` names it in errors ("preview", "plot")."""
    output = Path(output)
    if output.suffix.lower() != ".png":
        raise WriterError(f"{output}: a {what} is a PNG; give a file name ending in .png")
    partial = output.with_name(f".{output.name}.partial.png")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        image.save(partial, format="PNG")
        os.replace(partial, output)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise WriterError(f"{output}: cannot write the {what} ({exc.strerror or exc}); choose a writable folder with --out") from None
    return output
