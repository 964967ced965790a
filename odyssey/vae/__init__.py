"""Variational autoencoders: train one on a folder of images, then render flights through it.

* ``odyssey.vae.model``: ``VAENet``, the network (native architecture ``vae``).
* ``odyssey.vae.data``: image folders and image keyframes -> tensors.
* ``odyssey.vae.trainer`` / ``odyssey.vae.train``: the training step and the run
  (``train_vae``, the ``odyssey train-vae`` command); ``odyssey.vae.state``: what each
  epoch writes.

Rendering goes through ``odyssey.adapters.vae``: the decoder is the generator.
"""
