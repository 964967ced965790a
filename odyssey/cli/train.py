"""``odyssey train-vae``: a VAE trained on a folder of images, ready to render paths through."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from odyssey.cli.options import notes, shown
from odyssey.train.options import TrainOptions  # the defaults, without torch

_VAE = TrainOptions()


def train_vae(
    images_dir: Annotated[Path, typer.Argument(metavar="IMAGES_DIR", help="Folder of training images (PNG, JPEG, ...; subfolders too).", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", metavar="FILE", help="The model file to write each epoch, e.g. checkpoints/mine.safetensors.")],
    resolution: Annotated[int, typer.Option("--resolution", "-r", help="Square size in px: 32, 64, 128 or 256.")] = _VAE.resolution,
    gray: Annotated[bool, typer.Option("--gray/--rgb", help="Grayscale (1 channel) or RGB.")] = _VAE.grayscale,
    latent: Annotated[int, typer.Option("--latent", help="Latent size (z dimensions).")] = _VAE.latent_dim,
    beta: Annotated[float, typer.Option("--beta", help="KL weight after warm-up (1 = standard VAE).")] = _VAE.beta,
    epochs: Annotated[int, typer.Option("--epochs", "-e", help="Epochs in all (with --resume: up to this many).")] = _VAE.epochs,
    batch_size: Annotated[int, typer.Option("--batch-size", "-b")] = _VAE.batch_size,
    lr: Annotated[float, typer.Option("--lr", help="Adam learning rate.")] = _VAE.lr,
    seed: Annotated[int, typer.Option("--seed", help="Seed for weights, split, batches, noise: same seed, same model.")] = _VAE.seed,
    device: Annotated[str, typer.Option("--device", help="auto | cpu | cuda | mps")] = _VAE.device,
    flip: Annotated[bool, typer.Option("--flip/--no-flip", help="Random horizontal flips.")] = _VAE.flip,
    val_split: Annotated[float, typer.Option("--val-split", help="Fraction of images held out for validation.")] = _VAE.val_split,
    loss: Annotated[str, typer.Option("--loss", help="Reconstruction loss: mse | l1 | bce.")] = _VAE.loss,
    kl_warmup: Annotated[float, typer.Option("--kl-warmup", help="Epochs over which the KL weight ramps up from 0.")] = _VAE.kl_warmup,
    clip: Annotated[float, typer.Option("--clip", help="Gradient-norm clipping.")] = _VAE.clip,
    width: Annotated[int, typer.Option("--width", help="Channels of the first layer (doubling per level).")] = _VAE.width,
    amp: Annotated[bool, typer.Option("--amp/--no-amp", help="Mixed precision on CUDA.")] = _VAE.amp,
    samples: Annotated[Optional[Path], typer.Option("--samples", help="Folder for the per-epoch PNGs (default: next to --out, NAME-epochs/).")] = None,
    meta: Annotated[Optional[list[str]], typer.Option("--meta", metavar="KEY=VALUE", help="Model metadata: name, description, source, licence.")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue the run saved at --out (repeat its options; raise --epochs).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Train a VAE on a folder of images, then render paths through it (model: the --out file)."""
    fields = dict(item.partition("=")[::2] for item in meta or [])
    if set(fields) - {"name", "description", "source", "licence"}:
        raise typer.BadParameter("give --meta as name=..., description=..., source=... or licence=...", param_hint="--meta")
    notes(quiet)
    from odyssey import api

    try:
        result = api.train_vae(
            images_dir, out, resume=resume, progress=not quiet, resolution=resolution, grayscale=gray, latent_dim=latent,
            beta=beta, epochs=epochs, batch_size=batch_size, lr=lr, seed=seed, device=device, flip=flip, val_split=val_split,
            loss=loss, kl_warmup=kl_warmup, clip=clip, width=width, amp=amp, samples_dir=str(samples) if samples else None, **fields,
        )
    except KeyboardInterrupt:
        typer.secho(f"interrupted: {shown(out)} keeps the last finished epoch, if one finished; go on with --resume", fg="yellow", err=True)
        raise typer.Exit(130) from None
    last = result.history[-1] if result.history else {}
    loss_text = f", val loss {last['val_loss']:.4g}" if "val_loss" in last else ""
    typer.echo(f"wrote {shown(result.model)} ({result.epochs} epochs, {result.step} steps{loss_text}) in {result.seconds:.0f} s; sheets in {result.samples}")
