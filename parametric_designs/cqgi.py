"""Plain CadQuery scripts as people publish them (the CQGI convention) opened as templates.

Top-level constant assignments (`width = 80.0`, `label = "A"`, `hollow = True`) are the parameters and
`describe_parameter(width, "...")` gives their help; the script shows its result with `show_object(...)`.
The parameters are read from the syntax tree here, without running the script or importing CadQuery; the
build runs the script sandboxed through CadQuery's own CQGI (see worker.py). Where cq-cli's parameter
description (`<script>.json`: a list of {type, name, initial}) sits beside the script, it sets the types.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

from parametric_designs.errors import DesignError
from parametric_designs.schema import Parameter, ParameterSchema
from parametric_designs.templates import Template, content_hash

_SPDX = re.compile(r"SPDX-License-Identifier:\s*([A-Za-z0-9.+-]+(?:\s+(?:OR|AND|WITH)\s+[A-Za-z0-9.+-]+)*)")
_CQ_CLI_TYPES = {"number": "number", "string": "text", "boolean": "boolean"}
MAX_SCRIPT_BYTES = 1 << 20


def load_cqgi_script(path: Path) -> Template:
    """A Template for a CQGI script; raises DesignError if it is not readable Python."""
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DesignError(f"cannot read {path.name}: {exc}") from exc
    if len(source) > MAX_SCRIPT_BYTES:
        raise DesignError(f"{path.name} is larger than 1 MiB; that is not a CadQuery script")
    try:
        tree = ast.parse(source, filename=path.name)
    except SyntaxError as exc:
        raise DesignError(f"{path.name} line {exc.lineno}: {exc.msg}") from exc
    parameters = _parameters(tree, _cq_cli_types(path.with_suffix(".json")))
    if not any(_calls(tree, "show_object")) and not _assigns(tree, "result"):
        raise DesignError(f"{path.name} shows nothing: a CQGI script ends with show_object(...) or sets `result`")
    licence = _SPDX.search(source)
    files = tuple(p for p in (path, path.with_suffix(".json")) if p.is_file())
    docstring = ast.get_docstring(tree) or ""
    return Template(
        id=path.stem,
        name=path.stem.replace("_", " ").replace("-", " ").capitalize(),
        version="0",
        author="unknown",
        licence=licence.group(1) if licence else "unknown",
        description=docstring or f"CadQuery script {path.name}",
        folder=path.parent,
        source=path,
        schema=ParameterSchema(tuple(parameters)),
        content_hash=content_hash(path.parent, files),
        kind="cqgi",
        files=files,
    )


def _parameters(tree: ast.Module, declared_types: dict[str, str]) -> list[Parameter]:
    descriptions = {}
    for call in _calls(tree, "describe_parameter"):
        if len(call.args) >= 2 and isinstance(call.args[0], ast.Name) and isinstance(call.args[1], ast.Constant):
            descriptions[call.args[0].id] = str(call.args[1].value)
    parameters: dict[str, Parameter] = {}
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            continue
        name, value = node.targets[0].id, _literal(node.value)
        if value is None:
            continue
        kind = declared_types.get(name) or _type_of(value)
        default = float(value) if kind == "number" else value
        parameters[name] = Parameter(name=name, type=kind, default=default, help=descriptions.get(name, ""),
                                     label=name.replace("_", " ").capitalize())
    return list(parameters.values())


def _literal(node: ast.expr) -> Any:
    """The value of a number, text or boolean constant (also a negative number); None for anything else."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _literal(node.operand)
        return -inner if isinstance(inner, int | float) and not isinstance(inner, bool) else None
    if isinstance(node, ast.Constant) and isinstance(node.value, bool | int | float | str):
        return node.value
    return None


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "text"


def _cq_cli_types(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
        return {str(e["name"]): _CQ_CLI_TYPES[e["type"]] for e in entries}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DesignError(f"{path.name} is not a cq-cli parameter description ({exc})") from exc


def _calls(tree: ast.Module, function: str) -> list[ast.Call]:
    return [n for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == function]


def _assigns(tree: ast.Module, name: str) -> bool:
    return any(isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in n.targets)
               for n in tree.body)
