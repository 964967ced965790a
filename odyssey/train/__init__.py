"""Train: a VAE on a folder of images (``odyssey train-vae``), written as an odyssey model.

The network is ``odyssey.adapters.vae_net.VAENet`` (what renders it is the ``vae``
adapter); pictures are prepared by ``odyssey.models.images``, as image keyframes are.

* ``vae``: ``train_vae``, the whole run (resume, per-epoch files, progress);
* ``trainer``: one training step, NaN recovery; ``options``: validated options;
* ``state``: what each epoch writes; ``data``: image folders; ``errors``: ``TrainingError``.
"""
