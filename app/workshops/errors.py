"""Errors of the workshops package; each carries a message that says what to do."""

from app.errors import LocalfabError


class WorkshopError(LocalfabError):
    """A workshop record, the directory, a place name or a workshop server's answer is not usable."""
