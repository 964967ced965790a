"""Rebuild the bundled ``vae-digits`` model with ``odyssey train-vae``, and time it.

Needs scikit-learn at build time only (``pip install scikit-learn``; odyssey itself never
imports it): its bundled copy of the UCI "Optical Recognition of Handwritten Digits"
test set (1,797 digits of 8x8 pixels, values 0..16) is read offline, each digit is
upscaled to 32x32 (bicubic) as dark ink on white and saved as a PNG, and then the exact
command recorded in PROVENANCE.md trains on that folder. Also writes the three example
keyframe drawings of ``paths/vae-digits/`` and the preview sheet.

    python checkpoints/build_vae_digits.py            # from the repository root
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
OUT = "checkpoints/vae-digits.safetensors"
EXAMPLES = {"digit-0.png": 0, "digit-3.png": 3, "digit-8.png": 8}  # file -> digit (its first sample)
TRAIN_ARGS = [
    "--resolution", "32", "--gray", "--latent", "16", "--width", "32", "--epochs", "40", "--batch-size", "64",
    "--lr", "1e-3", "--beta", "1", "--kl-warmup", "5", "--val-split", "0.1", "--seed", "0", "--device", "cpu",
    "--meta", "name=vae-digits",
    "--meta", "description=VAE of handwritten digits (UCI optdigits via scikit-learn), 32x32 grayscale, latent 16",
    "--meta", "source=trained by checkpoints/build_vae_digits.py on the UCI optdigits test set bundled with scikit-learn",
    "--meta", "licence=MIT (weights); training data CC BY 4.0, E. Alpaydin and C. Kaynak, UCI ML Repository",
]


def digit_image(values: np.ndarray) -> Image.Image:
    """8x8 counts 0..16 -> a 32x32 grayscale PNG image, dark ink (0) on white paper (255)."""
    ink = np.clip(255 - values * (255 / 16), 0, 255).round().astype(np.uint8)  # (8, 8)
    return Image.fromarray(ink, mode="L").resize((32, 32), Image.Resampling.BICUBIC)


def export(folder: Path) -> int:
    from sklearn.datasets import load_digits  # build-time only

    digits = load_digits()
    folder.mkdir(parents=True, exist_ok=True)
    for index, (values, label) in enumerate(zip(digits.images, digits.target, strict=True)):
        digit_image(values).save(folder / f"{index:04d}-{label}.png")
    examples = REPO / "paths" / "vae-digits"
    examples.mkdir(parents=True, exist_ok=True)
    for name, wanted in EXAMPLES.items():
        first = int(np.flatnonzero(digits.target == wanted)[0])
        digit_image(digits.images[first]).save(examples / name)
    return len(digits.images)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=Path, help="export the digits here (default: a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        images = args.images or Path(tmp) / "digits"
        count = export(images)
        sheets = Path(tmp) / "sheets"
        command = ["odyssey", "train-vae", str(images), "--out", OUT, *TRAIN_ARGS, "--samples", str(sheets), "--quiet"]
        print(f"exported {count} digits to {images}\n$ {shlex.join(command)}", flush=True)
        started = time.perf_counter()
        subprocess.run(command, cwd=REPO, check=True)
        seconds = time.perf_counter() - started
        last = sorted(sheets.glob("epoch-*.png"))[-1]
        shutil.copyfile(last, REPO / "checkpoints" / "vae-digits-preview.png")
    (REPO / OUT).with_name("vae-digits.train.pt").unlink(missing_ok=True)  # resume state: not shipped
    print(f"trained in {seconds:.1f} s on this machine")


if __name__ == "__main__":
    sys.exit(main())
