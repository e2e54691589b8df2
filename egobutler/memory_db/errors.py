"""Errors of the memory. Each message says what went wrong and how to fix it."""


class MemoryError_(Exception):
    """Base of all memory errors (trailing underscore: `MemoryError` is a builtin)."""


class DataDirError(MemoryError_):
    """The data dir is missing, not a directory, or not writable."""


class SchemaError(MemoryError_):
    """The database schema is newer than this egobutler, or cannot be upgraded."""


class EmbedderMismatchError(MemoryError_):
    """A vector collection was built by another embedder than the one configured."""


class IndexError_(MemoryError_):
    """The vector index cannot be opened or queried."""
