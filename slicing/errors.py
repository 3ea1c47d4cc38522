"""Typed errors of the slicing layer; each carries a message a person can act on."""


class SlicingError(Exception):
    """Something in the part or the settings keeps the machine program from being made."""


class MeshError(SlicingError):
    """The file is missing, is not a mesh, or the mesh cannot be made into a printable solid."""


class SliceCancelled(SlicingError):
    """The caller asked a long operation to stop."""
