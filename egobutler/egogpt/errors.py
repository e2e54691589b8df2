"""Errors of perception (sight and sound)."""


class PerceptionError(Exception):
    """Base of all perception errors; the message says how to fix it."""


class BackendUnavailable(PerceptionError):
    """A backend's package or weights are missing; the message names what to install or pull."""


class InvalidAudio(PerceptionError):
    """Audio samples that cannot be used as given (bad shape, rate, NaN); the message says what to pass."""


class AudioDecodeError(PerceptionError):
    """An audio file that cannot be opened or decoded; the message names the file and the cause."""


class ModelWeightsError(BackendUnavailable):
    """Model weights that are missing or corrupt; the message says how to get or repair them."""


# --- sight: captioners and scene text (egogpt/captioner*.py, egogpt/ocr.py) ---


class UnknownCaptioner(PerceptionError):
    """The configured captioner name is not one egobutler knows; the message lists the known names."""


class CaptionerError(PerceptionError):
    """A captioner could not caption a clip (server error after retries, bad reply, bad frames)."""


class CaptionerAuthError(CaptionerError):
    """The captioner server refused the API key (HTTP 401/403); set ``captioner_api_key``."""


class CaptionerModelNotFound(CaptionerError):
    """The captioner server does not serve the configured model (HTTP 404); the message lists what it serves."""


class SceneTextError(PerceptionError):
    """The scene-text (OCR) stage could not read a frame."""


class InvalidFrame(PerceptionError):
    """A video frame that is not an RGB image or has a bad offset; the message says what to pass."""
