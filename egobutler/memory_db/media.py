"""Media files (thumbnails, clip videos) under the data dir, referred to by relative path."""

from __future__ import annotations

from pathlib import Path

from egobutler.memory_db.errors import MemoryError_


class MediaStore:
    """Resolves and deletes media by path relative to ``root``; never outside it."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()

    def path(self, relative: str) -> Path:
        """The absolute path of ``relative``, refusing anything that escapes the media dir."""
        candidate = (self.root / relative).resolve()
        if not candidate.is_relative_to(self.root):
            raise MemoryError_(f"media path {relative!r} points outside the media dir {self.root}")
        return candidate

    def delete(self, relative: str) -> bool:
        """Delete one media file; True if it existed."""
        target = self.path(relative)
        if target.is_file():
            target.unlink()
            return True
        return False
