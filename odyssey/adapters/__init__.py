"""Checkpoint adapters: turn a file (or a bundled model's name) into a ``Generator``.

Importing this package registers the built-in adapters, in the order sniffing tries
them: ``native`` (odyssey ``.safetensors``), then ``dcgan`` (raw torch.save state dicts),
then ``torchscript`` (decoder archives); ``factory`` (your Python code) is never sniffed.
Native files of architecture ``vae`` (``odyssey train-vae``) load through ``adapters.vae``;
``stylegan`` (NVIDIA network pickles, read safely) comes after ``dcgan`` and before
``torchscript``, and converted StyleGANs are native files of architecture ``stylegan2``/``stylegan3``.
"""

from odyssey.adapters import dcgan, factory, native, torchscript, vae
from odyssey.adapters.stylegan import loader as stylegan
from odyssey.adapters.bundled import BUNDLED, checkpoints_dir, list_bundled
from odyssey.adapters.registry import adapters, describe, describe_models, load_generator, register

register(native.ADAPTER)
register(dcgan.ADAPTER)
register(stylegan.ADAPTER)
register(torchscript.ADAPTER)
register(factory.ADAPTER)
native.ARCHITECTURES["vae"] = vae.ARCHITECTURE
for _family, (_build, _wrap) in stylegan.native_architectures().items():
    native.ARCHITECTURES[_family] = native.Architecture(build=_build, wrap=_wrap)

__all__ = ["BUNDLED", "adapters", "checkpoints_dir", "describe", "describe_models", "list_bundled", "load_generator", "register"]
