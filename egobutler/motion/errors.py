"""Errors of the motion package."""


class MotionError(Exception):
    """Base of all motion errors; the message says how to fix it."""


class ImuFormatError(MotionError):
    """An IMU or trajectory file cannot be read; names the file and the line or column."""

    def __init__(self, path: object, problem: str, *, line: int | None = None, column: str | None = None):
        where = str(path)
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.line = line
        self.column = column


class NoMotionData(MotionError):
    """The requested time span holds too few IMU samples to say how the wearer moved.

    Callers that narrate clip by clip catch this and record the clip as skipped."""


class NarratorUnavailable(MotionError):
    """A motion narrator cannot be loaded (unknown name, missing checkpoint or extra)."""


class NarratorTrainingError(MotionError):
    """Training data for the EgoLM narrator is missing or malformed."""
