"""EgoLM-style motion narrator: a VQ-VAE turns IMU windows into motion tokens, a small GPT
turns motion tokens into a narration. Importing this package does not import torch."""
