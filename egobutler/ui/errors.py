"""Errors of the chat UI."""


class UiError(Exception):
    """The UI cannot start or serve as asked; the message says how to fix it."""
