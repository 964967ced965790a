"""NVIDIA's TensorFlow-era network pickles (StyleGAN2, StyleGAN, ProGAN), read without TensorFlow.

``record.TFNetwork`` is what the restricted reader makes of one pickled network: inert
data (names, kwargs, numpy arrays), never the embedded build source.
"""
