"""Still images: one PNG written atomically (a temp name, then a rename), for previews and plots."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from odyssey.errors import WriterError
from odyssey.writers.staging import user_path, written_atomically


def save_png(image: Image.Image, output: Path, what: str) -> Path:
    """Write ``image`` to ``output`` (.png only); ``what`` names it in errors ("preview", "plot")."""
    output = user_path(output)
    if output.suffix.lower() != ".png":
        raise WriterError(f"{output}: a {what} is a PNG; give a file name ending in .png")
    with written_atomically(output, what) as partial:
        image.save(partial, format="PNG")
    return output
