"""Declared parameters of a template: types, ranges, choices, constraints, and their validation.

Parameters are data read from the template manifest, so a form can be drawn and every value checked
before any design code runs. Values outside a declared range or choice are refused with a message that
names the parameter, the value and what is allowed.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from parametric_designs.errors import ParameterError

PARAMETER_TYPES = ("number", "integer", "boolean", "choice", "text")


@dataclass(frozen=True)
class Choice:
    value: Any
    label: str


@dataclass(frozen=True)
class Parameter:
    """One declared parameter. `unit` is free text for people ("mm", "deg", "teeth")."""

    name: str
    type: str
    default: Any
    label: str = ""
    unit: str = ""
    group: str = "General"
    help: str = ""
    min: float | None = None
    max: float | None = None
    step: float | None = None
    choices: tuple[Choice, ...] = ()
    max_length: int | None = None

    def coerce(self, value: Any) -> Any:
        """Return `value` as this parameter's type, accepting the text a command line gives."""
        try:
            match self.type:
                case "number":
                    if isinstance(value, bool):
                        raise ValueError
                    number = float(value)
                    if not math.isfinite(number):
                        raise ValueError
                    return number
                case "integer":
                    if isinstance(value, bool):
                        raise ValueError
                    number = float(value)
                    if not number.is_integer():
                        raise ValueError
                    return int(number)
                case "boolean":
                    return parse_bool(value)
                case "choice":
                    return self._coerce_choice(value)
                case "text":
                    return str(value)
        except (TypeError, ValueError):
            pass
        raise ParameterError(f"{self.name}: {value!r} is not {self._describe_type()}")

    def validate(self, value: Any) -> Any:
        """Coerce and range-check one value; raise ParameterError saying what is allowed."""
        value = self.coerce(value)
        if self.type in ("number", "integer"):
            unit = f" {self.unit}" if self.unit else ""
            if self.min is not None and value < self.min:
                raise ParameterError(
                    f"{self.name} = {_show(value)}{unit} is below the minimum {_show(self.min)}{unit} "
                    f"(allowed: {self._describe_range()})"
                )
            if self.max is not None and value > self.max:
                raise ParameterError(
                    f"{self.name} = {_show(value)}{unit} is above the maximum {_show(self.max)}{unit} "
                    f"(allowed: {self._describe_range()})"
                )
        if self.type == "text" and self.max_length is not None and len(value) > self.max_length:
            raise ParameterError(
                f"{self.name} is {len(value)} characters long; at most {self.max_length} are allowed"
            )
        return value

    def describe_allowed(self) -> str:
        if self.type in ("number", "integer"):
            return self._describe_range()
        if self.type == "choice":
            return ", ".join(str(c.value) for c in self.choices)
        return self._describe_type()

    def _coerce_choice(self, value: Any) -> Any:
        for choice in self.choices:
            if value == choice.value or str(value) == str(choice.value):
                return choice.value
        allowed = ", ".join(str(c.value) for c in self.choices)
        raise ParameterError(f"{self.name}: {value!r} is not one of the choices ({allowed})")

    def _describe_type(self) -> str:
        return {
            "number": "a number",
            "integer": "a whole number",
            "boolean": "true or false",
            "choice": "one of the choices",
            "text": "text",
        }[self.type]

    def _describe_range(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        low = "-inf" if self.min is None else _show(self.min)
        high = "inf" if self.max is None else _show(self.max)
        return f"{low} to {high}{unit}"


@dataclass(frozen=True)
class Constraint:
    """A rule over several parameters, e.g. `lid_clearance < wall`, with the message shown when broken."""

    rule: str
    message: str
    _tree: ast.Expression = field(repr=False, compare=False, default=None)  # type: ignore[assignment]

    @classmethod
    def parse(cls, rule: str, message: str, names: set[str]) -> Constraint:
        tree = _parse_expression(rule, names)
        return cls(rule=rule, message=message, _tree=tree)

    def holds(self, values: Mapping[str, Any]) -> bool:
        return bool(_evaluate(self._tree.body, values))


@dataclass(frozen=True)
class ParameterSchema:
    parameters: tuple[Parameter, ...]
    constraints: tuple[Constraint, ...] = ()

    def __post_init__(self) -> None:
        names = [p.name for p in self.parameters]
        if len(set(names)) != len(names):
            raise ParameterError("a parameter is declared twice")

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.parameters]

    def get(self, name: str) -> Parameter:
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        known = ", ".join(self.names)
        raise ParameterError(f"there is no parameter called {name!r} (parameters: {known})")

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.parameters}

    def resolve(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Start from the defaults, apply `given`, validate every value and every constraint.

        The result holds every declared parameter, in declaration order, with its typed value.
        """
        for name in given:
            self.get(name)
        values = {p.name: p.validate(given.get(p.name, p.default)) for p in self.parameters}
        for constraint in self.constraints:
            if not constraint.holds(values):
                involved = ", ".join(
                    f"{n} = {_show(values[n])}" for n in self.names if n in _names_in(constraint._tree)
                )
                raise ParameterError(f"{constraint.message} ({constraint.rule}; here {involved})")
        return values


def schema_from_manifest(parameters: Mapping[str, Mapping[str, Any]], constraints: list[Mapping[str, Any]]
                         ) -> ParameterSchema:
    """Read the `[parameters.*]` tables and `[[constraints]]` list of a template manifest."""
    declared = []
    for name, spec in parameters.items():
        declared.append(_parameter_from_table(name, spec))
    names = {p.name for p in declared}
    rules = []
    for item in constraints:
        if "rule" not in item or "message" not in item:
            raise ParameterError("every constraint needs a `rule` and a `message`")
        rules.append(Constraint.parse(str(item["rule"]), str(item["message"]), names))
    schema = ParameterSchema(tuple(declared), tuple(rules))
    schema.resolve({})  # the defaults themselves must be valid
    return schema


def _parameter_from_table(name: str, spec: Mapping[str, Any]) -> Parameter:
    if not name.isidentifier():
        raise ParameterError(f"parameter name {name!r} must be a Python identifier")
    kind = spec.get("type")
    if kind not in PARAMETER_TYPES:
        raise ParameterError(f"parameter {name}: type must be one of {', '.join(PARAMETER_TYPES)}")
    if "default" not in spec:
        raise ParameterError(f"parameter {name}: a default value is required")
    choices = tuple(
        Choice(value=c["value"], label=str(c.get("label", c["value"]))) if isinstance(c, Mapping)
        else Choice(value=c, label=str(c))
        for c in spec.get("choices", ())
    )
    if kind == "choice" and not choices:
        raise ParameterError(f"parameter {name}: a choice needs a list of choices")
    known = {"type", "default", "label", "unit", "group", "help", "min", "max", "step", "choices", "max_length"}
    unknown = sorted(set(spec) - known)
    if unknown:
        raise ParameterError(f"parameter {name}: unknown field(s) {', '.join(unknown)}")
    parameter = Parameter(
        name=name,
        type=kind,
        default=spec["default"],
        label=str(spec.get("label", name.replace("_", " ").capitalize())),
        unit=str(spec.get("unit", "")),
        group=str(spec.get("group", "General")),
        help=str(spec.get("help", "")),
        min=spec.get("min"),
        max=spec.get("max"),
        step=spec.get("step"),
        choices=choices,
        max_length=spec.get("max_length"),
    )
    return replace(parameter, default=parameter.validate(parameter.default))


def parse_bool(value: Any) -> bool:
    """A boolean from a bool or from the words people type (true/false, yes/no, on/off, 1/0)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1", "on"):
        return True
    if text in ("false", "no", "0", "off"):
        return False
    raise ValueError(value)


def _show(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# A constraint is a small expression over parameter names: comparisons, arithmetic, and/or/not,
# min/max/abs. It is evaluated by walking the syntax tree, never with eval(), because templates are
# untrusted and their manifests are read in the app process.
_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.Mod: operator.mod, ast.FloorDiv: operator.floordiv}
_COMPARE = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
            ast.Eq: operator.eq, ast.NotEq: operator.ne}
_FUNCTIONS = {"min": min, "max": max, "abs": abs}


def _parse_expression(rule: str, names: set[str]) -> ast.Expression:
    try:
        tree = ast.parse(rule, mode="eval")
    except SyntaxError as exc:
        raise ParameterError(f"constraint {rule!r} is not a valid expression") from exc
    for node in ast.walk(tree):
        allowed = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd,
                   ast.BinOp, ast.Compare, ast.Name, ast.Load, ast.Constant, ast.Call,
                   *_BINARY, *_COMPARE)
        if not isinstance(node, allowed):
            raise ParameterError(f"constraint {rule!r} uses {type(node).__name__}, which is not allowed")
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS
                                               and not node.keywords):
            raise ParameterError(f"constraint {rule!r} may only call min, max and abs")
        if (isinstance(node, ast.Name) and node.id not in names and node.id not in _FUNCTIONS
                and node.id not in ("True", "False")):
            raise ParameterError(f"constraint {rule!r} names {node.id!r}, which is not a parameter")
    return tree


def _names_in(tree: ast.Expression) -> set[str]:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def _evaluate(node: ast.AST, values: Mapping[str, Any]) -> Any:
    match node:
        case ast.Constant(value=value):
            return value
        case ast.Name(id=name):
            return values[name]
        case ast.BoolOp(op=ast.And(), values=items):
            return all(_evaluate(item, values) for item in items)
        case ast.BoolOp(op=ast.Or(), values=items):
            return any(_evaluate(item, values) for item in items)
        case ast.UnaryOp(op=ast.Not(), operand=operand):
            return not _evaluate(operand, values)
        case ast.UnaryOp(op=ast.USub(), operand=operand):
            return -_evaluate(operand, values)
        case ast.UnaryOp(op=ast.UAdd(), operand=operand):
            return +_evaluate(operand, values)
        case ast.BinOp(left=left, op=op, right=right):
            return _BINARY[type(op)](_evaluate(left, values), _evaluate(right, values))
        case ast.Compare(left=left, ops=ops, comparators=comparators):
            current = _evaluate(left, values)
            for op, comparator in zip(ops, comparators, strict=True):
                following = _evaluate(comparator, values)
                if not _COMPARE[type(op)](current, following):
                    return False
                current = following
            return True
        case ast.Call(func=ast.Name(id=function), args=args):
            return _FUNCTIONS[function](*(_evaluate(a, values) for a in args))
    raise ParameterError(f"cannot evaluate {ast.dump(node)}")
