"""OpenSCAD parameter-set files (`design.json` beside `design.scad`), read and written typed.

The format is OpenSCAD's: `{"parameterSets": {"<set>": {"<parameter>": "<value>", ...}}, "fileFormatVersion":
"1"}`, every value stored as a string ("true", "7", "Welcome"). Reading types each value against the design's
schema and refuses, naming the file, the set, the parameter and the value, what OpenSCAD would silently clamp
or drop. Writing checks every value first and writes as OpenSCAD does (names sorted), so a file read and
written again is the same file.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from parametric_designs.errors import ParameterError
from parametric_designs.schema import Parameter

if TYPE_CHECKING:
    from parametric_designs.openscad import ScadDesign

MAX_SET_FILE_BYTES = 16 << 20


@dataclass(frozen=True)
class ParameterSet:
    """One named set of an OpenSCAD parameter-set file.

    `values` holds typed values of declared parameters (those the set names; the rest take their defaults);
    `untyped` keeps, as OpenSCAD wrote them, values of parameters localfab skips (vectors), so a file read
    and written again loses nothing.
    """

    name: str
    values: dict[str, Any]
    untyped: dict[str, str] = field(default_factory=dict)


def parameter_sets_path(source: Path) -> Path:
    """Where OpenSCAD looks for the parameter sets of `source`: the same name with `.json`."""
    return Path(source).with_suffix(".json")


def read_parameter_sets(path: Path, design: ScadDesign) -> dict[str, ParameterSet]:
    """Every set of an OpenSCAD parameter-set file, typed and checked against `design`.

    Raises ParameterError naming the file, the set, the parameter and the value when a value does not fit
    (OpenSCAD itself would silently clamp it, or fall back to the default).
    """
    path = Path(path)
    document = _read_json(path)
    version = document.get("fileFormatVersion", "1")
    if str(version) != "1":
        raise ParameterError(f"{path.name} is a parameter-set file of format version {version}; "
                             "only version 1 is known")
    sets = document.get("parameterSets")
    if not isinstance(sets, dict):
        raise ParameterError(f'{path.name} is not an OpenSCAD parameter-set file: it has no "parameterSets" object')
    result = {}
    for set_name, values in sets.items():
        where = f'{path.name}, set "{set_name}"'
        if not isinstance(values, dict):
            raise ParameterError(f"{where}: expected an object of parameter values, found {type(values).__name__}")
        typed: dict[str, Any] = {}
        untyped: dict[str, str] = {}
        for name, raw in values.items():
            if name in design.vectors:
                untyped[name] = raw if isinstance(raw, str) else json.dumps(raw)
                continue
            if name not in design.schema.names:
                raise ParameterError(f"{where}: {name} = {_quoted(raw)} is not a parameter of {design.source.name} "
                                     f"(it has {', '.join(design.schema.names)})")
            typed[name] = _typed_set_value(design.schema.get(name), raw, where)
        result[str(set_name)] = ParameterSet(str(set_name), typed, untyped)
    return result


def write_parameter_sets(path: Path, sets: Iterable[ParameterSet], design: ScadDesign) -> None:
    """Write `sets` as an OpenSCAD parameter-set file (values as strings, as OpenSCAD writes them).

    Every value is checked before anything is written, and the file is replaced atomically.
    """
    path = Path(path)
    document: dict[str, Any] = {"parameterSets": {}, "fileFormatVersion": "1"}
    for parameter_set in sets:
        if parameter_set.name in document["parameterSets"]:
            raise ParameterError(f'two parameter sets are called "{parameter_set.name}"')
        where = f'set "{parameter_set.name}"'
        values: dict[str, str] = {}
        for name, value in parameter_set.values.items():
            try:
                typed = design.schema.get(name).validate(value)
            except ParameterError as exc:
                raise ParameterError(f"{where}: {exc}") from exc
            values[name] = set_text(typed)
        for name, raw in parameter_set.untyped.items():
            if name not in design.vectors:
                raise ParameterError(f"{where}: {name} is not a vector parameter of {design.source.name}")
            values[name] = str(raw)
        document["parameterSets"][parameter_set.name] = dict(sorted(values.items()))
    text = json.dumps(document, indent=4, ensure_ascii=False) + "\n"
    handle, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


def _typed_set_value(parameter: Parameter, raw: Any, where: str) -> Any:
    shown = f"{parameter.name} = {_quoted(raw)}"
    if raw is None or isinstance(raw, dict | list):
        raise ParameterError(f"{where}: {shown} is not a value OpenSCAD can store")
    if parameter.type == "boolean":
        text = str(raw).strip().lower()
        if isinstance(raw, bool) or text in ("true", "false", "1", "0"):
            return raw if isinstance(raw, bool) else text in ("true", "1")
        raise ParameterError(f"{where}: {shown} is not true or false")
    if parameter.type == "choice":
        number = _as_number(raw)
        for choice in parameter.choices:
            if isinstance(choice.value, str) and isinstance(raw, str) and raw == choice.value:
                return choice.value
            if not isinstance(choice.value, str) and number is not None and number == choice.value:
                return choice.value
        shown_choices = [str(c.value) for c in parameter.choices]
        allowed = (", ".join(shown_choices) if len(shown_choices) <= 12
                   else f"one of {len(shown_choices)} choices such as {', '.join(shown_choices[:5])}")
        raise ParameterError(f"{where}: {shown} is not one of the choices ({allowed})")
    try:
        if parameter.type in ("number", "integer"):
            number = _as_number(raw)
            if number is None:
                raise ParameterError(f"{parameter.name}: {raw!r} is not a number")
            return parameter.validate(number)
        return parameter.validate(raw if isinstance(raw, str) else set_text(raw))
    except ParameterError as exc:
        raise ParameterError(f"{where}: {shown} does not fit: {exc}") from exc


def _as_number(raw: Any) -> float | None:
    if isinstance(raw, bool):
        return None
    try:
        number = float(raw)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def set_text(value: Any) -> str:
    """A typed value as OpenSCAD stores it in a parameter-set file."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number_text(float(value))
    return str(value)


def number_text(value: float) -> str:
    """A number as OpenSCAD reads and writes it: `7`, not `7.0`; otherwise the shortest exact form."""
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(value)


def _quoted(raw: Any) -> str:
    return f'"{raw}"' if isinstance(raw, str) else json.dumps(raw)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        size = path.stat().st_size
        if size > MAX_SET_FILE_BYTES:
            raise ParameterError(f"{path.name} is {size / 2**20:.0f} MiB; parameter-set files over 16 MiB are refused")
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ParameterError(f"{path}: no such parameter-set file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ParameterError(f"{path.name} cannot be read: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise ParameterError(f"{path.name} is not valid JSON: {exc.msg} at line {exc.lineno}") from exc
    if not isinstance(document, dict):
        raise ParameterError(f"{path.name} is not an OpenSCAD parameter-set file: it is not a JSON object")
    return document
