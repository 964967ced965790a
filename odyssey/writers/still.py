"""Still images: one PNG written atomically (a temp name, then a rename), for previews and plots."""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image

from odyssey.errors import WriterError
from odyssey.writers.staging import remove_quietly, user_path, why_unwritable


def save_png(image: Image.Image, output: Path, what: str) -> Path:
    """Write ``image`` to ``output`` (.png only); ``what`` names it in errors ("preview", "plot")."""
    output = user_path(output)
    if output.suffix.lower() != ".png":
        raise WriterError(f"{output}: a {what} is a PNG; give a file name ending in .png")
    partial = output.with_name(f".{output.name}.partial.png")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        image.save(partial, format="PNG")
        os.replace(partial, output)
    except OSError as exc:
        remove_quietly(partial)
        raise WriterError(f"{output}: cannot write the {what} ({why_unwritable(exc)}); choose a writable folder with --out") from None
    except BaseException:
        remove_quietly(partial)
        raise
    return output
