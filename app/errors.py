"""Typed errors of the application layer, and the set of errors that carry a message for a person.

Every layer owns its errors (slicing and parametric_designs never import the app); the CLI and the GUI
catch `USER_ERRORS` and show the message, never a traceback.
"""

from parametric_designs.errors import DesignError
from slicing.errors import SlicingError


class LocalfabError(Exception):
    """An error in the app layer with a message that says what to do."""


class ProfileError(LocalfabError):
    """A machine, material or settings profile is missing or holds a value outside its schema."""


class RecipeError(LocalfabError):
    """A .localfab recipe cannot be read, is damaged, or cannot be rebuilt."""


class CheckFailed(LocalfabError):
    """The manufacturability check found errors and the user did not override them."""


USER_ERRORS: tuple[type[Exception], ...] = (LocalfabError, DesignError, SlicingError)
