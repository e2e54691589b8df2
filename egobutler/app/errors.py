"""The application's own error type; every package error is shown the same way by the CLI."""


class AppError(Exception):
    """A failure the user can fix; ``str()`` is the one-line message shown."""
