"""Perception of sight and sound: captioners, scene text, VAD, ASR, diarization, voice profiles."""
