"""Checkpoint adapters: turn a file (or a bundled model's name) into a ``Generator``.

Importing this package registers the built-in adapters, in the order sniffing tries
them: ``native`` (odyssey ``.safetensors``), then ``dcgan`` (raw torch.save state dicts),
then ``torchscript`` (decoder archives); ``factory`` (your Python code) is never sniffed.
Native files of architecture ``vae`` (``odyssey train-vae``) load through ``adapters.vae``;
``stylegan`` (NVIDIA network pickles, read safely) comes after ``dcgan`` and before
``torchscript``, and converted StyleGANs are native files of architecture ``stylegan2``/``stylegan3``.
``rosinality`` (stylegan2-pytorch ``.pt`` files) is tried before ``dcgan``, which takes any
torch.save file; converted, they are native files of architecture ``stylegan2-rosinality``.
``gan_zoo`` (facebookresearch/pytorch_GAN_zoo PGAN/DCGAN ``.pth``/``.pt``) is tried before ``dcgan``
too; converted, they are native files of architecture ``gan_zoo_pgan``/``gan_zoo_dcgan``.
``biggan`` (pytorch-pretrained-BigGAN: a ``config.json`` with ``pytorch_model.bin`` or
``.safetensors`` beside it) comes right after ``native``: it claims a weights file only with
a BigGAN config.json beside it; converted, they are native files of architecture ``biggan``.
``tfpickle`` (NVIDIA's TensorFlow-era pickles, read safely) follows ``stylegan``: both take
``.pkl`` and sniff the first global, so they never claim the same file.
``torch7`` (Lua Torch7 ``.t7`` DCGAN generators: art-DCGAN, dcgan.torch; read as inert data)
comes before ``torchscript``; converted, they are native files of architecture ``torch7_dcgan``.
"""

from odyssey.adapters import dcgan, factory, native, torchscript, vae
from odyssey.adapters.stylegan import loader as stylegan
from odyssey.adapters.biggan import loader as biggan
from odyssey.adapters.rosinality import loader as rosinality
from odyssey.adapters.gan_zoo import adapter as gan_zoo
from odyssey.adapters.tfpickle import loader as tfpickle
from odyssey.adapters.torch7 import art_dcgan as torch7
from odyssey.adapters import progan
from odyssey.adapters.stylegan import sg1, sg1_generator
from odyssey.adapters.bundled import BUNDLED, checkpoints_dir, list_bundled
from odyssey.adapters.registry import adapters, describe, describe_models, load_generator, register

register(native.ADAPTER)
register(biggan.ADAPTER)  # before the .pt/.pth adapters: it needs a BigGAN config.json beside the weights
register(rosinality.ADAPTER)  # before dcgan: both take .pt, rosinality sniffs its layer names
register(gan_zoo.ADAPTER)  # before dcgan: both take .pth/.pt, gan_zoo sniffs toRGBLayers/formatLayer
register(dcgan.ADAPTER)
register(stylegan.ADAPTER)
register(tfpickle.ADAPTER)  # .pkl too: NVIDIA's TensorFlow-era pickles, told apart by their first global
register(torch7.ADAPTER)  # .t7: Lua Torch7 files, sniffed by their first object's header
register(torchscript.ADAPTER)
register(factory.ADAPTER)
native.ARCHITECTURES["vae"] = vae.ARCHITECTURE
native.ARCHITECTURES[torch7.ARCHITECTURE] = native.Architecture(*torch7.native_architecture())
native.ARCHITECTURES[biggan.ARCHITECTURE] = native.Architecture(build=biggan.build_native, wrap=biggan.wrap_native)
native.ARCHITECTURES[rosinality.ARCHITECTURE] = native.Architecture(*rosinality.native_architecture())
for _family, (_build, _wrap) in gan_zoo.native_architectures().items():
    native.ARCHITECTURES[_family] = native.Architecture(build=_build, wrap=_wrap)
for _family, (_build, _wrap) in stylegan.native_architectures().items():
    native.ARCHITECTURES[_family] = native.Architecture(build=_build, wrap=_wrap)
# TF-era NVIDIA pickles (adapters.tfpickle) convert to these: ProGAN and StyleGAN (v1)
native.ARCHITECTURES["progan"] = native.Architecture(build=progan.build_progan_net, wrap=progan.wrap_progan)
native.ARCHITECTURES["stylegan1"] = native.Architecture(build=sg1.build_stylegan1_net, wrap=sg1_generator.wrap_stylegan1)

__all__ = ["BUNDLED", "adapters", "checkpoints_dir", "describe", "describe_models", "list_bundled", "load_generator", "register"]
