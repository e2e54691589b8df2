"""Ingestion: recordings → 30 s clips → perception stages → memory, resumable."""
