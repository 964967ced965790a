"""rosinality/stylegan2-pytorch checkpoints (``.pt``), read safely and mapped onto odyssey's StyleGAN2.

``reader`` sniffs and loads the file (``weights_only``; training ``args`` allowed as an
inert ``argparse.Namespace``), ``layout`` infers the architecture from tensor shapes and
renames the weights into NVIDIA's layout (the maths agree term by term), ``loader`` is the
adapter and the ``Generator`` (rosinality's seed convention).
"""
