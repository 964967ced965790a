"""BigGAN-deep as pytorch-pretrained-BigGAN publishes it: ``config.json`` + ``pytorch_model.bin``.

``biggan_deep`` is the network (names as published), ``config`` reads config.json,
``truncnorm`` draws a seed's latent as the original's utilities do, ``generator`` is the
``Generator``, ``loader`` the adapter and native form, ``imagenet_classes`` the 1000 names.
"""
