"""Model layer: the ``Generator`` interface and checkpoint reading (no adapters here)."""

from odyssey.models.base import Generator, ModelInfo

__all__ = ["Generator", "ModelInfo"]
