"""Directions in a model's latent space: saved vectors and ``pca:K``, computed from the model.

``pca:K`` is the K-th principal direction of what the model does with its latents
(GANSpace's recipe): draw N latents z on the CPU, take features, run PCA on them, and
carry each principal component back to z by least squares (the direction in z whose
projection best predicts that component's score). The features are w = map(z) for
models with a w space, and otherwise the model's images at low resolution. For a
z-only model (a DCGAN, a VAE decoder) PCA on z itself would find nothing: z ~ N(0, I)
is isotropic, so its principal axes are sampling noise. Through the images, pca:0 is
the direction in z that changes the picture most, pca:1 the next, and so on.

Results are cached as .npz under the cache folder (``$ODYSSEY_CACHE_DIR``, else
``renders/.cache``), keyed by the model's weights and description and the recipe's
settings, so a path computes them once and renders identically afterwards (on any
device). Directions are unit vectors (D,) float64 with a fixed sign (largest entry > 0).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from odyssey.config import DEFAULT_RENDERS_DIR
from odyssey.errors import ConfigError
from odyssey.models.base import Generator
from odyssey.plan.keyframes import load_vector

log = logging.getLogger(__name__)

PCA_SAMPLES = 1024
PCA_COMPONENTS = 16
FEATURE_SIDE = 16  # images are averaged down to at most 16 x 16 before PCA
_RECIPE = "v1"
_PCA = re.compile(r"^pca:(\d+)$")


def cache_dir() -> Path:
    """Where computed directions are kept: $ODYSSEY_CACHE_DIR, else renders/.cache."""
    return Path(os.environ.get("ODYSSEY_CACHE_DIR") or DEFAULT_RENDERS_DIR / ".cache")


def model_key(generator: Generator) -> str:
    """A hash of the model's description and, where reachable, its weights."""
    info = generator.info
    digest = hashlib.sha256()
    fields = [info.name, info.family, list(info.latent_shape), list(info.resolution), info.class_names, info.source]
    digest.update(json.dumps([fields, info.extra], sort_keys=True, default=str).encode())
    for value in vars(generator).values():
        if isinstance(value, torch.nn.Module):
            for name, tensor in sorted(value.state_dict().items()):
                digest.update(name.encode())
                digest.update(tensor.detach().to("cpu", torch.float32).contiguous().numpy().tobytes())
    return digest.hexdigest()[:20]


def _features(generator: Generator, z: torch.Tensor, labels: torch.Tensor | None) -> np.ndarray:
    """w (flattened; the first layer of w+) or images averaged down: (n, F) float64."""
    with torch.inference_mode():
        w = generator.map(z, labels)
        if w is not None:
            w = w[:, 0] if w.ndim == 3 else w
            return w.reshape(w.shape[0], -1).to("cpu", torch.float64).numpy()
        images = generator.synthesize(z, labels).float()  # (n, C, H, W)
        h, wd = images.shape[-2:]
        scale = max(1, max(h, wd) // FEATURE_SIDE)
        small = F.avg_pool2d(images, scale) if scale > 1 else images
        return small.reshape(small.shape[0], -1).to("cpu", torch.float64).numpy()


def compute_pca(generator: Generator, samples: int | None = None, components: int = PCA_COMPONENTS, batch: int = 128) -> np.ndarray:
    """Principal directions in z, (components, D) float64 unit rows; see the module docstring."""
    info = generator.info
    samples = samples or PCA_SAMPLES
    gen = torch.Generator(device="cpu").manual_seed(0)
    z = generator.sample_latents(samples, gen)  # (N, *latent_shape), as the path sees them
    labels = None
    if info.num_classes:
        classes = torch.randint(info.num_classes, (samples,), generator=gen)
        labels = F.one_hot(classes, info.num_classes).float()  # (N, C)
    feats = np.concatenate(
        [_features(generator, z[i : i + batch], None if labels is None else labels[i : i + batch]) for i in range(0, samples, batch)]
    )  # (N, F)
    feats -= feats.mean(axis=0)
    values, vectors = np.linalg.eigh(feats.T @ feats)  # (F,), (F, F) ascending: PCA of the features
    k = min(components, values.shape[0], samples - 1)
    scores = feats @ vectors[:, ::-1][:, :k]  # (N, k) principal scores, largest first
    flat = z.reshape(samples, -1).double().numpy()  # (N, D)
    coef, *_ = np.linalg.lstsq(flat - flat.mean(axis=0), scores, rcond=None)  # (D, k)
    directions = (coef / np.linalg.norm(coef, axis=0, keepdims=True)).T  # (k, D)
    signs = np.sign(directions[np.arange(k), np.abs(directions).argmax(axis=1)])
    return directions * signs[:, None]


def pca_directions(generator: Generator, count: int) -> tuple[np.ndarray, Path]:
    """At least ``count`` principal directions (k, D), from the cache or computed and cached."""
    components = max(PCA_COMPONENTS, count)
    key = hashlib.sha256(f"{model_key(generator)}-{_RECIPE}-{PCA_SAMPLES}-{components}-{FEATURE_SIDE}".encode()).hexdigest()[:16]
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", generator.info.name)[:40]
    file = cache_dir() / f"pca-{safe}-{key}.npz"
    if file.is_file():
        try:
            with np.load(file) as data:
                return data["directions"], file
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache entry is recomputed
    log.info(f"computing the principal directions (pca:K) of {generator.info.name} from {PCA_SAMPLES} samples; once, then cached in {file.parent}")
    started = time.perf_counter()
    directions = compute_pca(generator, components=components)
    log.info(f"computed {directions.shape[0]} principal directions in {time.perf_counter() - started:.1f} s")
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        partial = file.with_name(f".{file.name}.partial.npz")
        np.savez(partial, directions=directions)
        os.replace(partial, file)
    except OSError:
        pass  # no cache: computed again next time, same result
    return directions, file


def resolve_direction(text: str, generator: Generator, field: str) -> np.ndarray:
    """'pca:K' or a .npy file (already made absolute) -> a unit direction (D,) float64."""
    match = _PCA.match(text.strip())
    dim = generator.info.latent_dim
    if match:
        k = int(match.group(1))
        if k >= 256:
            raise ConfigError(f"{field}: pca:{k} is too high; use a principal direction from pca:0 to pca:255")
        directions, _ = pca_directions(generator, k + 1)
        if k >= directions.shape[0]:
            raise ConfigError(f"{field}: the model gives only {directions.shape[0]} principal directions; use pca:0 to pca:{directions.shape[0] - 1}")
        return directions[k]
    vector = load_vector(Path(text), generator, field).reshape(-1).double().numpy()
    norm = float(np.linalg.norm(vector))
    if not np.isfinite(norm) or norm == 0:
        raise ConfigError(f"{field}: {text} is a zero vector, which has no direction; save a non-zero vector")
    if vector.shape[0] != dim:
        raise ConfigError(f"{field}: {text} has {vector.shape[0]} values; the model's latents have {dim}")
    return vector / norm
