"""OpenSCAD designs as localfab templates: customizer parameters, parameter-set files, rendering.

A `.scad` file declares its parameters in customizer comments (see `openscad_syntax` for the exact rules,
which follow OpenSCAD's own reader). They are read here as data, without running OpenSCAD, into the same
ParameterSchema a CadQuery template has; parameter-set files (`design.json`, OpenSCAD's
`{"parameterSets": ..., "fileFormatVersion": "1"}`) are read and written typed against that schema; and
`render_scad` runs the `openscad` binary, confined, to turn a design and its values into a mesh.

What OpenSCAD offers and localfab cannot show is skipped with a note (`ScadDesign.notes`): a vector
parameter such as `size = [10, 20, 30];` keeps its default from the file, because a Parameter has no vector
type and a vector typed as free text would have to be checked again before it reached OpenSCAD's command line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trimesh

from parametric_designs.errors import DesignError, ParameterError
from parametric_designs.openscad_annotations import Range, format_number
from parametric_designs.openscad_render import (
    DEFAULT_MEMORY_BYTES,
    DEFAULT_TIMEOUT_S,
    openscad_binary,
    openscad_version,
    run_openscad,
)
from parametric_designs.openscad_sets import (
    ParameterSet,
    number_text,
    parameter_sets_path,
    read_parameter_sets,
    write_parameter_sets,
)
from parametric_designs.openscad_syntax import (
    Assignment,
    customizer_assignments,
    encode_string,
    included_files,
    normalise,
)
from parametric_designs.schema import Choice, Parameter, ParameterSchema
from parametric_designs.templates import Template, content_hash

__all__ = [
    "DEFAULT_MEMORY_BYTES",
    "DEFAULT_TIMEOUT_S",
    "ParameterSet",
    "ScadDesign",
    "openscad_binary",
    "openscad_version",
    "parameter_sets_path",
    "parse_scad",
    "read_parameter_sets",
    "read_scad",
    "render_scad",
    "scad_content_hash",
    "scad_literal",
    "scad_template",
    "write_parameter_sets",
]

DEFAULT_GROUP = "Parameters"  # OpenSCAD's name for parameters before any group comment
MAX_SCAD_BYTES = 16 << 20
_NAME = re.compile(r"\$?[A-Za-z_][A-Za-z0-9_]*")
_SPDX = re.compile(r"SPDX-License-Identifier:\s*([A-Za-z0-9.+\-() ]+?)\s*(?:\*/)?\s*$", re.MULTILINE)
_AUTHOR = re.compile(r"^(?:(?:written|created|made|designed)\s+by|by|author\s*:|\(c\)|©|copyright)\s*(.+)$",
                     re.IGNORECASE)
_VERSION = re.compile(r"\bversion\s*[:=]?\s*v?(\d+(?:\.\d+)*)\b", re.IGNORECASE)


@dataclass(frozen=True)
class ScadDesign:
    """What the customizer comments of one `.scad` file declare, read without running it.

    `hidden` names the parameters of `/* [Hidden] */` groups; `vectors` the vector parameters localfab does
    not offer (with their defaults); `notes` says, for a person, what was skipped and why.
    """

    source: Path
    schema: ParameterSchema
    description: str = ""
    author: str = "unknown"
    licence: str = "unknown"
    version: str = "0"
    includes: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()
    vectors: dict[str, tuple[float, ...]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def read_scad(source: Path) -> ScadDesign:
    """Read the parameters of a `.scad` file from its customizer comments; raise DesignError if unreadable."""
    source = Path(source)
    try:
        size = source.stat().st_size
        if size > MAX_SCAD_BYTES:
            raise DesignError(f"{source.name} is {size / 2**20:.0f} MiB; OpenSCAD files over 16 MiB are refused")
        data = source.read_bytes()
    except FileNotFoundError as exc:
        raise DesignError(f"{source}: no such OpenSCAD file; check the path") from exc
    except OSError as exc:
        raise DesignError(f"{source} cannot be read: {exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # older Thingiverse files; OpenSCAD itself expects UTF-8
    return parse_scad(text, source)


def parse_scad(text: str, source: Path = Path("design.scad")) -> ScadDesign:
    """The ScadDesign declared by the OpenSCAD source `text` (`source` names it and locates its includes)."""
    text = normalise(text)
    parameters: list[Parameter] = []
    hidden: list[str] = []
    vectors: dict[str, tuple[float, ...]] = {}
    notes: list[str] = []
    for assignment in customizer_assignments(text):
        group = (assignment.group or "").strip()
        if group == "Hidden":
            hidden.append(assignment.name)
            continue
        if isinstance(assignment.value, tuple):
            if 1 <= len(assignment.value) <= 4:
                vectors[assignment.name] = assignment.value
                shown = "[" + ", ".join(format_number(v) for v in assignment.value) + "]"
                notes.append(f"{assignment.name} = {shown} is a vector; localfab has no vector parameters yet, "
                             "so it keeps the value written in the file")
            continue
        parameters.append(_parameter(assignment, group or DEFAULT_GROUP))
    leading = _leading_comment(text)
    trailing = _trailing_comment(text)
    licence = _SPDX.search(text)
    version = _VERSION.search(leading)
    return ScadDesign(
        source=Path(source),
        schema=ParameterSchema(tuple(parameters)),
        description=_description(leading),
        author=_author(leading) or _author(trailing) or "unknown",
        licence=licence.group(1).strip() if licence else "unknown",
        version=version.group(1) if version else "0",
        includes=tuple(included_files(text)),
        hidden=tuple(hidden),
        vectors=vectors,
        notes=tuple(notes),
    )


def scad_template(source: Path) -> Template:
    """A Template (kind "openscad") for a bare `.scad` file: id is the file name without `.scad`, the name is
    that in words, licence (SPDX), author, version and description come from its comments.

    The content hash covers the file and every file it includes or uses that sits beside it, so editing
    an included part counts as a change of the design.
    """
    source = Path(source).resolve()
    design = read_scad(source)
    stem = source.stem
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", stem)
    words = re.sub(r"[^A-Za-z0-9]+", " ", words).strip()
    return Template(
        id=stem,
        name=(words[:1].upper() + words[1:].lower()) or stem,
        version=design.version,
        author=design.author,
        licence=design.licence,
        description=design.description or f"OpenSCAD design {source.name}",
        folder=source.parent,
        source=source,
        schema=design.schema,
        content_hash=scad_content_hash(source),
        files=scad_files(source),
        tags=("openscad",),
        processes=("fdm",),
        kind="openscad",
    )


def scad_files(source: Path) -> tuple[Path, ...]:
    """A `.scad` file and, recursively, the files it includes or uses from its own folder.

    A file named by include/use that is not in the design's folder (a library installed with OpenSCAD, or
    a path leading outside) is not read here: the source that names it is hashed, and that is all.
    """
    source = Path(source).resolve()
    root = source.parent
    seen: list[Path] = []
    pending = [source]
    while pending:
        path = pending.pop(0)
        if path in seen:
            continue
        seen.append(path)
        try:
            text = path.read_bytes().decode("utf-8", errors="replace")
        except OSError as exc:
            raise DesignError(f"{path.name}, part of {source.name}, cannot be read: {exc.strerror or exc}") from exc
        for included in included_files(text):
            candidate = (path.parent / included).resolve()
            if candidate.is_relative_to(root) and candidate.is_file():
                pending.append(candidate)
    return tuple(seen)


def scad_content_hash(source: Path) -> str:
    """SHA-256 over a `.scad` file and the files it includes or uses from its own folder."""
    source = Path(source).resolve()
    return content_hash(source.parent, scad_files(source))


# --- rendering ----------------------------------------------------------------------------------------


def render_scad(
    source: Path,
    parameters: Mapping[str, Any] | None = None,
    *,
    parameter_file: Path | None = None,
    parameter_set: str | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_bytes: int = DEFAULT_MEMORY_BYTES,
    cancel: Callable[[], bool] | None = None,
    schema: ParameterSchema | None = None,
) -> trimesh.Trimesh:
    """Render a `.scad` design to a mesh (millimetres) with the `openscad` binary, confined.

    Give either `parameters` (checked against `schema`, by default the file's own customizer schema, with
    defaults filling the rest; every value is passed as `-D name=value`) or `parameter_set` (a set of
    `parameter_file`, by default the `.json` beside the design; passed as `-p file -P set` once the set has
    been found and checked). Raises ParameterError before OpenSCAD runs if a value or the set is wrong, and
    BuildError if OpenSCAD is missing, fails, takes longer than `timeout_s`, is cancelled (`cancel()` is
    asked every 50 ms), or renders nothing.
    The mesh's `metadata["openscad"]` holds OpenSCAD's warnings, the seconds taken and its version.
    """
    source = Path(source).resolve()
    design = read_scad(source)
    readable: tuple[Path, ...] = ()
    if parameter_set is not None:
        if parameters:
            raise ParameterError("give either parameter values or a parameter set, not both")
        parameter_file = Path(parameter_file or parameter_sets_path(source)).resolve()
        if not parameter_file.is_file():
            raise ParameterError(f'there is no parameter-set file {parameter_file.name} for the set "{parameter_set}"')
        sets = read_parameter_sets(parameter_file, design)
        if parameter_set not in sets:
            known = ", ".join(f'"{name}"' for name in sets) or "none"
            raise ParameterError(f'{parameter_file.name} has no parameter set "{parameter_set}" (sets: {known})')
        arguments = ["-p", str(parameter_file), "-P", parameter_set]
        readable = (parameter_file.parent,)
    else:
        if parameter_file is not None:
            raise ParameterError(f"name the parameter set to use from {Path(parameter_file).name}")
        # Every value is passed, defaults too: the command says in full what was rendered.
        arguments = []
        for name, value in (schema or design.schema).resolve(parameters or {}).items():
            if not _NAME.fullmatch(name):
                raise ParameterError(f"{name!r} is not an OpenSCAD variable name")
            arguments += ["-D", f"{name}={scad_literal(value)}"]
    return run_openscad(source, arguments, readable=readable, timeout_s=timeout_s, memory_bytes=memory_bytes,
                        cancel=cancel)


def scad_literal(value: Any) -> str:
    """`value` written as an OpenSCAD literal for `-D name=value` (strings quoted and escaped)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ParameterError(f"{value} cannot be given to OpenSCAD")
        return number_text(value)
    if isinstance(value, str):
        if "\0" in value:
            raise ParameterError("text given to OpenSCAD cannot contain a NUL character")
        return encode_string(value)
    raise ParameterError(f"{value!r} cannot be given to OpenSCAD (only numbers, text and true/false)")


# --- from customizer annotations to Parameters ----------------------------------------------------------


def _parameter(assignment: Assignment, group: str) -> Parameter:
    name, value, annotation = assignment.name, assignment.value, assignment.annotation
    if not _NAME.fullmatch(name):
        raise DesignError(f"{name!r} is not an OpenSCAD variable name")
    common = {"name": name, "label": _label(name), "group": group, "help": assignment.description}
    if isinstance(value, bool):
        return Parameter(type="boolean", default=value, **common)
    choices = _choices(annotation, value)
    if choices:
        default = next(c.value for c in choices if _same(c.value, value))
        return Parameter(type="choice", default=default, choices=choices, **common)
    if isinstance(value, str):
        max_length = None
        if isinstance(annotation, float) and annotation >= 0:
            max_length = max(int(annotation), len(value))  # OpenSCAD widens the limit to fit the default
        return Parameter(type="text", default=value, max_length=max_length, **common)
    return _number_parameter(value, annotation, common)


def _number_parameter(value: float, annotation: Any, common: dict[str, Any]) -> Parameter:
    low: float | None = None
    high: float | None = None
    step: float | None = None
    if isinstance(annotation, float):
        step = annotation if annotation > 0 else None  # `// 0.5`: a spin box stepping by 0.5
    elif isinstance(annotation, list) and len(annotation) == 1 and isinstance(annotation[0], float):
        high = annotation[0]  # `// [100]`: a maximum only, as on Thingiverse (OpenSCAD's spin box starts at 0)
    elif isinstance(annotation, Range):
        low, high = annotation.start, annotation.end
        step = annotation.step if annotation.step and annotation.step > 0 else None
    if low is not None:
        low = min(low, value)  # OpenSCAD widens the range to hold the default
    if high is not None:
        high = max(high, value)
    if low is None or high is None:
        return Parameter(type="number", default=value, min=low, max=high, step=step, **common)
    # A slider: OpenSCAD steps by the given step, else by the finest decimal of min and default, and ends
    # on the last whole step at or below the maximum.
    if step is None:
        step = 10.0 ** -_decimals(low, value)
    whole_steps = math.floor((high - low) / step + 1e-9)
    high = max(round(low + whole_steps * step, 10), value)
    if all(float(v).is_integer() for v in (low, value, step)):
        return Parameter(type="integer", default=int(value), min=low, max=high, step=step, **common)
    return Parameter(type="number", default=value, min=low, max=high, step=step, **common)


def _choices(annotation: Any, default: float | str) -> tuple[Choice, ...]:
    """Dropdown items as OpenSCAD reads them; the default is added first when it is not among them."""
    if not isinstance(annotation, list):
        return ()
    if len(annotation) == 1 and isinstance(annotation[0], float):
        return ()  # a single number is a maximum, not a one-item list
    choices = []
    for item in annotation:
        if isinstance(item, tuple):
            item_value, label = item
            choices.append(Choice(value=_plain(item_value), label=label))
        else:
            choices.append(Choice(value=_plain(item), label=_label_of(item)))
    if not any(_same(c.value, default) for c in choices):
        choices.insert(0, Choice(value=_plain(default), label=_label_of(default)))
    return tuple(choices)


def _same(a: Any, b: Any) -> bool:
    """OpenSCAD's comparison of dropdown values: numbers with numbers, text with text."""
    return isinstance(a, str) == isinstance(b, str) and a == b


def _plain(value: float | str) -> float | int | str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _label_of(value: float | str) -> str:
    return value if isinstance(value, str) else format_number(value)


def _label(name: str) -> str:
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else name


def _decimals(*values: float) -> int:
    needed = 0
    for value in values:
        for decimals in range(16):
            if abs(round(value, decimals) - value) <= 1e-9 * max(1.0, abs(value)):
                break
        needed = max(needed, decimals)
    return needed


# --- the comments around the code: description, author, version ---------------------------------------------


def _leading_comment(text: str) -> str:
    """The comment block a file starts with (blank lines before it skipped), without its comment markers.

    A group marker (`/* [Tab] */`) is not a description, and the last line of a block that runs straight
    into code describes that code, not the file.
    """
    lines = text.split("\n")
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    block: list[str] = []
    if i < len(lines) and lines[i].lstrip().startswith("/*") and "*/" not in lines[i].split("/*", 1)[1]:
        while i < len(lines):
            block.append(lines[i])
            i += 1
            if "*/" in block[-1]:
                break
        return _strip_markers(block)
    while i < len(lines) and lines[i].lstrip().startswith("//"):
        block.append(lines[i])
        i += 1
    if block and i < len(lines) and lines[i].strip():
        block.pop()
    return _strip_markers(block)


def _trailing_comment(text: str) -> str:
    lines = text.rstrip().split("\n")
    block: list[str] = []
    while lines and lines[-1].lstrip().startswith("//"):
        block.insert(0, lines.pop())
    return _strip_markers(block)


def _strip_markers(block: list[str]) -> str:
    out = []
    for line in block:
        line = line.strip()
        line = re.sub(r"^(?://+|/\*+|\*+(?!/))", "", line)
        line = re.sub(r"\*+/$", "", line)
        out.append(line.strip())
    return "\n".join(out).strip()


def _description(leading: str) -> str:
    lines = [line for line in leading.split("\n") if not _SPDX.search(line)]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _author(block: str) -> str:
    for line in block.split("\n"):
        match = _AUTHOR.match(line.strip())
        if match:
            author = re.sub(r"<[^>]*>", "", match.group(1))
            author = re.sub(r"^\d{4}\s+|\s+\d{4}$|[.,;]\s*$", "", author.strip()).strip()
            if author:
                return author
    return ""
