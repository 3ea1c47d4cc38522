"""Placeholders in the printer's start and end G-code: `{setting_name}` becomes the setting's value."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping

from slicing.errors import SlicingError
from slicing.gcode.format import format_setting

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def fill_placeholders(template: str, values: Mapping[str, object], *, template_name: str) -> str:
    """Replace every {name} in template by values[name]; an unknown name is a SlicingError that names it.

    template_name says where the template came from ("start G-code"), for the error message.
    """

    def value_of(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            close = difflib.get_close_matches(name, sorted(values), n=1)
            hint = f"did you mean {{{close[0]}}}?" if close else "use a setting name or remove it"
            raise SlicingError(f"the {template_name} uses the unknown placeholder {{{name}}}: {hint}")
        return format_setting(values[name])

    return _PLACEHOLDER.sub(value_of, template)
