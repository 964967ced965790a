"""The typed error of VAE training, reported by the CLI as one red line like every ``OdysseyError``."""

from __future__ import annotations

from odyssey.errors import OdysseyError


class TrainingError(OdysseyError):
    """Training cannot start or go on: a bad image folder or option, a run that keeps diverging."""
