"""egobutler: a personal egocentric life assistant."""

__version__ = "0.1.0"
