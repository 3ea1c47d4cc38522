"""Template discovery, manifests and content hashes.

A template is a folder with `template.toml` (identity, licence, parameters, constraints), the design source
(`design.py`, CadQuery) and optionally `thumbnail.png`. The manifest is read as data; no design code runs here.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from parametric_designs.errors import DesignError, DesignNotFound
from parametric_designs.schema import ParameterSchema, schema_from_manifest

MANIFEST_NAME = "template.toml"
THUMBNAIL_NAME = "thumbnail.png"
PROCESSES = ("fdm", "cnc", "laser")
# The thumbnail is a picture of the design, not an input to it: re-rendering it must not make every recipe
# that used the template report "template changed".
_NOT_HASHED = {THUMBNAIL_NAME}


@dataclass(frozen=True)
class Template:
    id: str
    name: str
    version: str
    author: str
    licence: str
    description: str
    folder: Path
    source: Path
    schema: ParameterSchema
    content_hash: str
    tags: tuple[str, ...] = ()
    processes: tuple[str, ...] = ("fdm",)
    okh: dict[str, Any] = field(default_factory=dict)
    # How the source is built: "cadquery" (build(**parameters) in design.py), "cqgi" (a plain CadQuery script)
    # or "openscad" (a customizer .scad file).
    kind: str = "cadquery"
    # The files that make the design (absolute paths inside `folder`): what the content hash covers and what
    # a recipe carries, so the design travels with every job made from it.
    files: tuple[Path, ...] = ()

    @property
    def thumbnail(self) -> Path | None:
        path = self.folder / THUMBNAIL_NAME
        return path if path.is_file() else None

    def summary(self) -> dict[str, Any]:
        """The template's identity as plain data (for --json output and recipes)."""
        return {
            "id": self.id,
            "name": self.name,
            "version": self.version,
            "author": self.author,
            "licence": self.licence,
            "description": self.description,
            "tags": list(self.tags),
            "processes": list(self.processes),
            "content_hash": self.content_hash,
            "kind": self.kind,
            "source": self.source.relative_to(self.folder).as_posix(),
        }


def library_dir() -> Path:
    """The folder of the built-in templates."""
    return Path(__file__).resolve().parent / "library"


def user_data_dir() -> Path:
    """The user's localfab data folder: $LOCALFAB_DATA_DIR, else the platform's user data folder."""
    return Path(os.environ.get("LOCALFAB_DATA_DIR") or platformdirs.user_data_dir("localfab"))


def installed_dir() -> Path:
    """Where `localfab designs install` puts templates."""
    return user_data_dir() / "templates"


def design_files(folder: Path) -> tuple[Path, ...]:
    """The files of a template folder that make the design: all but the thumbnail and Python's caches."""
    return tuple(sorted(
        path for path in folder.rglob("*")
        if path.is_file() and path.relative_to(folder).as_posix() not in _NOT_HASHED
        and "__pycache__" not in path.parts and path.suffix != ".pyc"
    ))


def content_hash(folder: Path, files: tuple[Path, ...] | None = None) -> str:
    """SHA-256 over a design's files (default: `design_files(folder)`): relative path, size and bytes of
    each, in sorted order."""
    digest = hashlib.sha256()
    for path in sorted(design_files(folder) if files is None else files):
        data = path.read_bytes()
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
    return "sha256:" + digest.hexdigest()


def load_template(folder: Path) -> Template:
    """Read one template folder; raise DesignError saying what is wrong with its manifest."""
    manifest_path = folder / MANIFEST_NAME
    try:
        manifest = tomllib.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DesignError(f"{folder} is not a template: it has no {MANIFEST_NAME}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DesignError(f"{manifest_path} is not valid TOML: {exc}") from exc
    meta = manifest.get("template", {})
    missing = [k for k in ("id", "name", "version", "author", "licence", "description") if k not in meta]
    if missing:
        raise DesignError(f"{manifest_path}: [template] lacks {', '.join(missing)}")
    processes = tuple(meta.get("processes", ("fdm",)))
    unknown = [p for p in processes if p not in PROCESSES]
    if unknown:
        raise DesignError(f"{manifest_path}: unknown process {', '.join(unknown)} (known: {', '.join(PROCESSES)})")
    source = folder / str(meta.get("source", "design.py"))
    if not source.is_file():
        raise DesignError(f"{manifest_path}: the design source {source.name} is missing")
    kind = "openscad" if source.suffix.lower() == ".scad" else "cadquery"
    files = design_files(folder)
    try:
        if kind == "openscad" and not manifest.get("parameters"):
            # An OpenSCAD template may declare its parameters in customizer comments instead of the manifest.
            module, _ = _FILE_LOADERS[".scad"]
            schema = importlib.import_module(module).read_scad(source).schema
        else:
            schema = schema_from_manifest(manifest.get("parameters", {}), manifest.get("constraints", []))
    except DesignError as exc:
        raise DesignError(f"{manifest_path}: {exc}") from exc
    return Template(
        id=str(meta["id"]),
        name=str(meta["name"]),
        version=str(meta["version"]),
        author=str(meta["author"]),
        licence=str(meta["licence"]),
        description=str(meta["description"]),
        folder=folder,
        source=source,
        schema=schema,
        content_hash=content_hash(folder, files),
        tags=tuple(meta.get("tags", ())),
        processes=processes,
        okh=dict(manifest.get("okh", {})),
        kind=kind,
        files=files,
    )


def discover(folders: tuple[Path, ...] = ()) -> dict[str, Template]:
    """All templates of the built-in library, the user's installed ones and `folders`, by id, sorted by id."""
    found: dict[str, Template] = {}
    for root in (library_dir(), installed_dir(), *folders):
        for manifest in sorted(root.glob(f"*/{MANIFEST_NAME}")):
            template = load_template(manifest.parent)
            if template.id in found:
                raise DesignError(f"two templates share the id {template.id!r}: {found[template.id].folder} "
                                  f"and {template.folder}")
            found[template.id] = template
    return dict(sorted(found.items()))


# Design files that open as templates without a manifest, by suffix: the module and function that read them.
# Imported on use, because those modules build on this one.
_FILE_LOADERS = {".py": ("parametric_designs.cqgi", "load_cqgi_script"),
                 ".scad": ("parametric_designs.openscad", "scad_template")}


def find_template(name: str, folders: tuple[Path, ...] = ()) -> Template:
    """A template by id, by the path of its folder, or by the path of a design file (a CQGI script)."""
    as_path = Path(name)
    if (as_path / MANIFEST_NAME).is_file():
        return load_template(as_path.resolve())
    if as_path.is_file() and as_path.suffix.lower() in _FILE_LOADERS:
        module, function = _FILE_LOADERS[as_path.suffix.lower()]
        return getattr(importlib.import_module(module), function)(as_path.resolve())
    templates = discover(folders)
    if name in templates:
        return templates[name]
    close = difflib.get_close_matches(name, list(templates), n=3)
    hint = f"did you mean {' or '.join(close)}? " if close else ""
    raise DesignNotFound(
        f"there is no design called {name!r}: {hint}`localfab designs list` shows the {len(templates)} designs"
    )
