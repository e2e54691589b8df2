"""Motion: IMU narration (EgoLM-style) and text-to-motion for the avatar (FracMoGen-style)."""
