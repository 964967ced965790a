"""StyleGAN2-ADA and StyleGAN3 network pickles, loaded without running any of their code.

* ``nvpickle``: a restricted unpickler that turns NVIDIA's pickles into inert records
  (class name, init kwargs, parameters and buffers) and refuses every other global;
* ``filters`` / ``sg2`` / ``sg3``: generators written here from the papers and the format
  facts (parameter names match the files, so weights load by name);
* ``adapter``: the ``Generator`` in front of them (z / w / w+ spaces, truncation, noise).
"""
