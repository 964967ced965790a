"""Torch7 (Lua) ``.t7`` files: a reader that builds only inert data (``reader``, over the binary
and ascii ``encodings``), Torch7's random numbers (``th_random``), DCGAN generators of known layers
(``sequential``) built from nn/cudnn module fields (``modules``), and the adapter for art-DCGAN /
dcgan.torch generator files (``art_dcgan``)."""
