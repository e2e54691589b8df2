"""Errors of ingestion. Each message names the recording (and where in it) and how to fix it."""


class IngestError(Exception):
    """Base of all ingestion errors."""


class SourceError(IngestError):
    """A recording cannot be read at all (unknown layout, unreadable file, missing start time)."""


class MediaError(IngestError):
    """Part of a recording's media cannot be decoded; the message names the file and the offset."""


class StageInputMissing(IngestError):
    """A stage has nothing to work on for a clip (no audio track, no IMU): recorded as skipped."""


class StageConfigError(IngestError):
    """A configured stage name or backend is unknown; the message lists the known ones."""


class ExtraMissing(IngestError):
    """An optional extra (projectaria-tools, ray) is not installed; the message says how to install it."""
