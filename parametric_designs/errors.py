"""Typed errors of the template layer; each carries a message a person can act on."""


class DesignError(Exception):
    """A template cannot be found, read or built."""


class DesignNotFound(DesignError):
    """No template has the requested id."""


class ParameterError(DesignError):
    """A parameter value is of the wrong type, outside its declared range, or breaks a constraint."""


class BuildError(DesignError):
    """The design code failed, ran too long, or produced geometry that is not a valid solid."""
