"""The memory: SQL rows (source of truth), a derived vector index, and media files."""
