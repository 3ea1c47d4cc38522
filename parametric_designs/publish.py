"""Designer tools: prove a template over its parameter space, render its thumbnail, pack it for sharing.

The sweep builds a template at its defaults, at every numeric parameter's minimum and maximum (one at a
time, then all low and all high together), and at seeded random samples. Each build must give a
watertight solid or be refused by a declared constraint; anything else is a failure with the values
that caused it.
"""

from __future__ import annotations

import io
import json
import random
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import trimesh

from parametric_designs.build import build_part
from parametric_designs.errors import BuildError, DesignError, ParameterError
from parametric_designs.schema import Parameter
from parametric_designs.templates import (
    MANIFEST_NAME,
    THUMBNAIL_NAME,
    Template,
    find_template,
    installed_dir,
    library_dir,
    load_template,
)
from slicing.packaging import deterministic_zip
from slicing.thumbnail import render_thumbnail

DEFAULT_SAMPLES = 50
DEFAULT_SEED = 20261122


@dataclass(frozen=True)
class SweepCase:
    label: str
    values: dict[str, Any]


@dataclass(frozen=True)
class SweepOutcome:
    case: SweepCase
    status: str  # "built", "refused" (by a declared range or constraint) or "failed"
    message: str = ""


def sweep_cases(template: Template, samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED
                ) -> Iterator[SweepCase]:
    """Defaults, the corners of every numeric range, then `samples` seeded random points."""
    parameters = template.schema.parameters
    numeric = [p for p in parameters if p.type in ("number", "integer") and p.min is not None and p.max is not None]
    yield SweepCase("defaults", {})
    for parameter in numeric:
        yield SweepCase(f"{parameter.name} at minimum", {parameter.name: parameter.min})
        yield SweepCase(f"{parameter.name} at maximum", {parameter.name: parameter.max})
    if numeric:
        yield SweepCase("all at minimum", {p.name: p.min for p in numeric})
        yield SweepCase("all at maximum", {p.name: p.max for p in numeric})
    rng = random.Random(seed)
    for index in range(samples):
        yield SweepCase(f"sample {index + 1}", {p.name: _sample(p, rng) for p in parameters})


def sweep(template: Template, samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED,
          progress: Callable[[SweepOutcome], None] | None = None,
          inspect: Callable[[trimesh.Trimesh], str | None] | None = None, **build_options: Any) -> list[SweepOutcome]:
    """Build every sweep case; return one outcome per case.

    `inspect` looks at each built mesh (for example the manufacturability checks) and returns a failure
    message, or None when the part is fine.
    """
    outcomes = []
    for case in sweep_cases(template, samples, seed):
        try:
            part = build_part(template, case.values, **build_options)
            problem = inspect(part.mesh) if inspect is not None else None
            outcome = (SweepOutcome(case, "failed", problem) if problem
                       else SweepOutcome(case, "built", f"{len(part.mesh.faces)} facets"))
        except ParameterError as exc:
            outcome = SweepOutcome(case, "refused", str(exc))
        except BuildError as exc:
            outcome = SweepOutcome(case, "failed", str(exc))
        outcomes.append(outcome)
        if progress is not None:
            progress(outcome)
    return outcomes


def write_thumbnail(template: Template, size: int = 256) -> bytes:
    """Render the template at its defaults and save `thumbnail.png` in its folder; return the PNG bytes."""
    png = render_thumbnail(build_part(template, {}).mesh, size=size)
    (template.folder / THUMBNAIL_NAME).write_bytes(png)
    return png


def _sample(parameter: Parameter, rng: random.Random) -> Any:
    match parameter.type:
        case "number" if parameter.min is not None and parameter.max is not None:
            value = rng.uniform(parameter.min, parameter.max)
            if parameter.step:
                steps = round((value - parameter.min) / parameter.step)
                value = min(parameter.max, parameter.min + steps * parameter.step)
            return round(value, 6)
        case "integer" if parameter.min is not None and parameter.max is not None:
            return rng.randint(int(parameter.min), int(parameter.max))
        case "boolean":
            return rng.random() < 0.5
        case "choice":
            return rng.choice(parameter.choices).value
    return parameter.default


PACKAGE_INFO = "localfab-package.json"
PACKAGE_FORMAT = "localfab.template-package"
MAX_PACKAGE_BYTES = 64 << 20
MAX_PACKAGE_FILES = 200


def pack_template(template: Template) -> bytes:
    """A shareable zip of the template folder: its files under `<id>/` and a package note with the content
    hash, so an install can prove it received exactly what was packed."""
    if template.kind != "cadquery":
        raise DesignError(f"{template.id} is a {template.kind} file, not a template folder; make it one first")
    if template.thumbnail is None:
        raise DesignError(f"{template.id} has no thumbnail: run `localfab template thumbnail {template.folder}`")
    entries = {f"{template.id}/{path.relative_to(template.folder).as_posix()}": path.read_bytes()
               for path in (*template.files, template.thumbnail)}
    info = {"format": PACKAGE_FORMAT, "id": template.id, "version": template.version,
            "content_hash": template.content_hash}
    entries[PACKAGE_INFO] = (json.dumps(info, indent=2, sort_keys=True) + "\n").encode()
    return deterministic_zip(entries)


def install_package(package: Path, destination: Path | None = None) -> Template:
    """Check a template package whole (zip entries, manifest, schema, content hash) without running any of
    its code, then install it into the user's templates. Returns the installed template."""
    destination = destination or installed_dir()
    entries = _read_package(package)
    info = _package_info(entries.pop(PACKAGE_INFO, None), package.name)
    template_id = info["id"]
    if template_id in {p.name for p in library_dir().iterdir()}:
        raise DesignError(f"{package.name} would replace the built-in template {template_id!r}; rename it")
    with tempfile.TemporaryDirectory(prefix="localfab-install-") as scratch:
        staged = Path(scratch) / template_id
        for name, data in entries.items():
            relative = PurePosixPath(name).relative_to(template_id)
            target = staged / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        template = load_template(staged)
        if template.id != template_id:
            raise DesignError(f"{package.name}: the manifest says {template.id!r} but the package says {template_id!r}")
        if template.content_hash != info["content_hash"]:
            raise DesignError(f"{package.name} is damaged or was changed after packing (content hash differs)")
        final = destination / template_id
        if final.exists():
            shutil.rmtree(final)
        destination.mkdir(parents=True, exist_ok=True)
        shutil.move(str(staged), final)
    return load_template(final)


def _read_package(package: Path) -> dict[str, bytes]:
    if not package.is_file():
        raise DesignError(f"{package}: no such file")
    if package.stat().st_size > MAX_PACKAGE_BYTES:
        raise DesignError(f"{package.name} is larger than {MAX_PACKAGE_BYTES >> 20} MiB; not a template package")
    entries = read_safe_zip(package.read_bytes(), f"{package.name} (a template package)")
    roots = {PurePosixPath(name).parts[0] for name in entries if name != PACKAGE_INFO}
    if len(roots) != 1:
        raise DesignError(f"{package.name} must hold exactly one template folder (found {sorted(roots)})")
    return entries


def read_safe_zip(data: bytes, label: str) -> dict[str, bytes]:
    """The files of an untrusted zip, checked whole before anything is read: at most MAX_PACKAGE_FILES files
    and MAX_PACKAGE_BYTES unpacked, every name a plain relative path (no `..`, no absolute, no backslash)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise DesignError(f"{label} is not a zip file") from exc
    with archive:
        infos = [i for i in archive.infolist() if not i.filename.endswith("/")]
        if len(infos) > MAX_PACKAGE_FILES:
            raise DesignError(f"{label} holds {len(infos)} files; at most {MAX_PACKAGE_FILES} are accepted")
        if sum(i.file_size for i in infos) > MAX_PACKAGE_BYTES:
            raise DesignError(f"{label} unpacks to more than {MAX_PACKAGE_BYTES >> 20} MiB; refused")
        for info in infos:
            path = PurePosixPath(info.filename)
            if path.is_absolute() or ".." in path.parts or "\\" in info.filename or info.filename != path.as_posix():
                raise DesignError(f"{label} holds an unsafe path {info.filename!r}; refused")
        try:
            return {info.filename: archive.read(info) for info in infos}
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise DesignError(f"{label} is damaged: {exc}") from exc


def design_archive(template: Template) -> bytes:
    """The design's own files (what its content hash covers) as a byte-identical zip, for a recipe to carry."""
    return deterministic_zip({path.relative_to(template.folder).as_posix(): path.read_bytes()
                              for path in template.files})


def open_design_archive(data: bytes, folder: Path, design: Mapping[str, Any]) -> Template:
    """Unpack a design carried by a recipe into `folder` and open it; its content hash must be the recorded one.

    `design` is the recipe's record of it (kind, source, content_hash). Nothing in it runs here.
    """
    for name, content in read_safe_zip(data, "the recipe's design.zip").items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    source = folder / PurePosixPath(str(design.get("source", "design.py")))
    if not source.resolve().is_relative_to(folder.resolve()):
        raise DesignError("the recipe names a design source outside its design.zip; refused")
    template = load_template(folder) if design.get("kind", "cadquery") == "cadquery" else find_template(str(source))
    if template.content_hash != design.get("content_hash"):
        raise DesignError("the design carried by the recipe does not match its recorded content hash: the recipe "
                          "is damaged or was edited")
    return template


def _package_info(data: bytes | None, label: str) -> dict[str, str]:
    if data is None:
        raise DesignError(f"{label} is not a localfab template package (no {PACKAGE_INFO})")
    try:
        info = json.loads(data)
    except ValueError as exc:
        raise DesignError(f"{label}: {PACKAGE_INFO} is not valid JSON") from exc
    if not isinstance(info, dict) or info.get("format") != PACKAGE_FORMAT:
        raise DesignError(f"{label} is not a localfab template package")
    if not all(isinstance(info.get(k), str) for k in ("id", "version", "content_hash")):
        raise DesignError(f"{label}: {PACKAGE_INFO} lacks id, version or content_hash")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", info["id"]):
        raise DesignError(f"{label}: {info['id']!r} is not a valid template id")
    return info


SCAFFOLD_MANIFEST = '''[template]
id = "{id}"
name = "{name}"
version = "0.1.0"
author = "{author}"
licence = "CC-BY-4.0"
description = """Describe what {name} is for and how it prints: which face goes on the bed, whether it \\
needs supports."""
tags = ["new"]
processes = ["fdm"]
source = "design.py"

[parameters.width]
type = "number"
default = 40.0
min = 10.0
max = 200.0
step = 0.5
unit = "mm"
group = "Size"
help = "Outside width along X."

[parameters.height]
type = "number"
default = 5.0
min = 1.0
max = 50.0
step = 0.5
unit = "mm"
group = "Size"
help = "Thickness of the plate."

[parameters.hole]
type = "number"
default = 5.0
min = 0.0
max = 50.0
step = 0.1
unit = "mm"
group = "Features"
help = "Diameter of the hole in the middle; 0 for none."

[[constraints]]
rule = "hole < width - 4"
message = "The hole must leave at least 2 mm of plate on each side"
'''

SCAFFOLD_DESIGN = '''"""{name}: a square plate with a hole in the middle. Replace it with your design.

Sizes are in millimetres; build() receives every parameter of template.toml as a keyword argument.
"""

import cadquery as cq


def build(*, width, height, hole):
    plate = cq.Workplane("XY").rect(width, width).extrude(height)
    if hole > 0:
        plate = plate.faces(">Z").workplane().hole(hole)
    return plate
'''


def new_template(name: str, parent: Path, author: str = "you") -> Path:
    """Write a working template scaffold into `parent/<id>` and return its folder."""
    template_id = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if not template_id:
        raise DesignError(f"{name!r} has no letters or digits to make a template id from")
    folder = parent / template_id
    if folder.exists():
        raise DesignError(f"{folder} already exists; choose another name or folder")
    folder.mkdir(parents=True)
    (folder / MANIFEST_NAME).write_text(SCAFFOLD_MANIFEST.format(id=template_id, name=name, author=author))
    (folder / "design.py").write_text(SCAFFOLD_DESIGN.format(name=name))
    return folder
