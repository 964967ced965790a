"""facebookresearch/pytorch_GAN_zoo checkpoints: their ProGAN (``PGAN``) and ``DCGAN``.

* ``zoo_file``: reading their files safely (``torch.load(weights_only=True)`` plus one
  inert stand-in for their pickled ``models.utils.config.BaseConfig``), sniffing, finding
  the generator's state dict;
* ``infer``: the architecture from the tensor shapes, checked against the stored config;
* ``conditioning``: AC-GAN attribute one-hot blocks (``attribKeysOrder``) as classes;
* ``pgan_net`` / ``dcgan_net``: the two generators, written here;
* ``adapter``: the ``Generator``, the registry entry and the native architectures.
"""
