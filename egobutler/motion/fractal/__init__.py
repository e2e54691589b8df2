"""FracMoGen-style fractal (coarse-to-fine) text-to-motion generator.

``model.py`` the network and its ``Config``; ``mixing.py`` keyframe levels and intra-group
input mixing; ``features.py`` clip windows ↔ feature vectors; ``labels.py`` our text labels
for the bundled DeepMimic clips; ``text.py`` sentence embeddings; ``train.py`` training and
checkpoints; ``generator.py`` the avatar backend.  torch is imported only inside those
modules, so ``import egobutler.motion.fractal`` stays light.
"""
