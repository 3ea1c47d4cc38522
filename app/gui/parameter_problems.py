"""Which field a problem with the values belongs to, so the form can say it right next to that field.

The schema judges the values (parametric_designs.schema); this only sorts its verdicts by parameter: a value
out of range belongs to its own field, a broken constraint to every field its rule names.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

from parametric_designs.errors import ParameterError
from parametric_designs.schema import ParameterSchema


def problems_by_field(schema: ParameterSchema, values: Mapping[str, Any]) -> dict[str, list[str]]:
    """Messages for each parameter whose value (alone or with others) the schema refuses; empty when the
    values can be built."""
    problems: dict[str, list[str]] = {}
    typed: dict[str, Any] = {}
    for parameter in schema.parameters:
        try:
            typed[parameter.name] = parameter.validate(values.get(parameter.name, parameter.default))
        except ParameterError as exc:
            problems.setdefault(parameter.name, []).append(str(exc))
    if problems:
        return problems  # constraints compare typed values; with one missing they cannot be judged
    for constraint in schema.constraints:
        if not constraint.holds(typed):
            for name in _names_in(constraint.rule, schema.names):
                problems.setdefault(name, []).append(constraint.message)
    return problems


def _names_in(rule: str, names: list[str]) -> list[str]:
    """The parameters a constraint's rule names, in declaration order."""
    used = {node.id for node in ast.walk(ast.parse(rule, mode="eval")) if isinstance(node, ast.Name)}
    return [name for name in names if name in used]
