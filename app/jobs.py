"""The fabrication recipe: the `.localfab` file (a zip) that carries a job from designer to machine.

`recipe.json` records the design (id, version, content hash, licence), the parameters, the printer and
material, every setting by value, the check summary, and the SHA-256 of each output stored beside it:
the part (`part.3mf`), the program (`program.gcode`) and the check report (`check.json`), plus a
thumbnail and the design itself (`design.zip`), so a workshop can rebuild the job without the template.
The same inputs give a byte-identical file.

A CNC or laser recipe (process "cnc" / "laser") has a program file per tool and sheet and an SVG per sheet
instead of one `program.gcode`, each under `programs/` and hashed in `outputs`; one cut from a drawing
records the drawing's hash as its design and carries the drawing (`drawing.dxf` / `drawing.svg`).

A recipe arriving from elsewhere is untrusted: it is read whole and validated (size, entry names, JSON
shape, hashes) before anything in it is used.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.errors import RecipeError
from slicing.packaging import deterministic_zip

FORMAT = "localfab.recipe"
FORMAT_VERSION = 1
RECIPE_JSON = "recipe.json"
PART_FILE = "part.3mf"
PROGRAM_FILE = "program.gcode"
CHECK_FILE = "check.json"
THUMBNAIL_FILE = "thumbnail.png"
# The design's own files, so the job can be rebuilt where the template is not installed; checked against the
# design's recorded content hash when it is opened.
DESIGN_FILE = "design.zip"
HASHED_OUTPUTS = (PART_FILE, PROGRAM_FILE, CHECK_FILE)
# What every recipe of a process must hold and hash; the outputs it lists beyond these are hashed too.
REQUIRED_OUTPUTS = {"fdm": HASHED_OUTPUTS, "cnc": (PART_FILE, CHECK_FILE), "laser": (PART_FILE, CHECK_FILE)}
DRAWING_FILES = ("drawing.dxf", "drawing.svg")
PROGRAMS_FOLDER = "programs/"
# A CAM program or SVG: programs/[sheet-NN/]name, plain names only, so no entry can point outside a folder.
_PROGRAM_ENTRY = re.compile(r"programs/(sheet-\d{2,3}/)?[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
ALLOWED_ENTRIES = frozenset({RECIPE_JSON, THUMBNAIL_FILE, DESIGN_FILE, *HASHED_OUTPUTS, *DRAWING_FILES})
MAX_RECIPE_BYTES = 512 << 20
MAX_UNPACKED_BYTES = 2 << 30
# A recipe's G-code deflates about 4:1; far higher ratios are what a zip bomb looks like.
MAX_COMPRESSION_RATIO = 200


def allowed_entry(name: str) -> bool:
    return name in ALLOWED_ENTRIES or _PROGRAM_ENTRY.fullmatch(name) is not None


def sha256_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Recipe:
    """The inputs that made a job and the hashes of what they made. Lengths in mm, times in s, mass in g."""

    app_version: str
    design: dict[str, Any]
    parameters: dict[str, Any]
    process: str
    printer: dict[str, str]
    material: dict[str, str]
    settings: dict[str, Any]
    check: dict[str, Any]
    estimate: dict[str, Any]
    outputs: dict[str, str]
    # The print-settings profile the settings started from (its values are in `settings`); None: defaults.
    print_profile: dict[str, str] | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "app_version": self.app_version,
            "design": self.design,
            "parameters": self.parameters,
            "process": self.process,
            "printer": self.printer,
            "material": self.material,
            "settings": self.settings,
            "check": self.check,
            "estimate": self.estimate,
            "outputs": self.outputs,
            "print_profile": self.print_profile,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Recipe:
        if data.get("format") != FORMAT:
            raise RecipeError("this is not a localfab recipe (recipe.json has no localfab format tag)")
        if data.get("format_version") != FORMAT_VERSION:
            raise RecipeError(f"recipe format version {data.get('format_version')} is not supported by this "
                              f"localfab (it reads version {FORMAT_VERSION}); update localfab")
        fields = {
            "app_version": str, "design": dict, "parameters": dict, "process": str, "printer": dict,
            "material": dict, "settings": dict, "check": dict, "estimate": dict, "outputs": dict,
        }
        for name, kind in fields.items():
            if not isinstance(data.get(name), kind):
                raise RecipeError(f"recipe.json is damaged: {name!r} is missing or not a {kind.__name__}")
        if data["process"] not in REQUIRED_OUTPUTS:
            raise RecipeError(f"recipe.json names the process {data['process']!r}, which this localfab does not "
                              f"make ({', '.join(REQUIRED_OUTPUTS)})")
        # A job cut from a drawing has the drawing's name and hash where a design has its id and version.
        identity = ("drawing", "content_hash") if "drawing" in data["design"] else ("id", "version", "content_hash")
        for name in identity:
            if not isinstance(data["design"].get(name), str):
                raise RecipeError(f"recipe.json is damaged: the design has no {name}")
        print_profile = data.get("print_profile")
        if print_profile is not None and not isinstance(print_profile, dict):
            raise RecipeError("recipe.json is damaged: 'print_profile' is not an object")
        return cls(**{name: data[name] for name in fields}, print_profile=print_profile)


@dataclass(frozen=True)
class RecipeFile:
    """A recipe and the files stored with it."""

    recipe: Recipe
    files: dict[str, bytes]


def pack_recipe(recipe: Recipe, files: Mapping[str, bytes]) -> bytes:
    """The .localfab bytes for `recipe` and its files; the recorded output hashes must match the files."""
    for name in hashed_outputs(recipe):
        if recipe.outputs.get(name) != sha256_of(files[name]):
            raise RecipeError(f"internal: the recorded hash of {name} does not match its contents")
    text = json.dumps(recipe.as_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return deterministic_zip({RECIPE_JSON: text.encode("utf-8"), **files})


def write_recipe(path: Path, recipe: Recipe, files: Mapping[str, bytes]) -> None:
    path.write_bytes(pack_recipe(recipe, files))


def read_recipe(path: Path) -> RecipeFile:
    """Read and validate a .localfab file whole: zip structure, entry names and sizes, JSON, hashes."""
    path = Path(path)
    if not path.is_file():
        raise RecipeError(f"{path}: no such file; check the path")
    size = path.stat().st_size
    if size > MAX_RECIPE_BYTES:
        raise RecipeError(f"{path.name} is {size >> 20} MiB; recipes over {MAX_RECIPE_BYTES >> 20} MiB are refused")
    data = path.read_bytes()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise RecipeError(f"{path.name} is not a localfab recipe (not a zip file)") from exc
    with archive:
        files = _read_entries(archive, path.name)
    if RECIPE_JSON not in files:
        raise RecipeError(f"{path.name} is not a localfab recipe (it has no recipe.json)")
    try:
        document = json.loads(files.pop(RECIPE_JSON).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecipeError(f"{path.name}: recipe.json is not valid JSON ({exc})") from exc
    if not isinstance(document, dict):
        raise RecipeError(f"{path.name}: recipe.json is not a JSON object")
    recipe = Recipe.from_json(document)
    unlisted = sorted(name for name in files if name.startswith(PROGRAMS_FOLDER) and name not in recipe.outputs)
    if unlisted:
        raise RecipeError(f"{path.name} holds {unlisted[0]}, which recipe.json does not list: it was edited")
    for name in hashed_outputs(recipe):
        if not allowed_entry(name):
            raise RecipeError(f"{path.name}: recipe.json lists an output {name!r} that no recipe holds")
        if name not in files:
            raise RecipeError(f"{path.name} is incomplete: {name} is missing")
        if recipe.outputs.get(name) != sha256_of(files[name]):
            raise RecipeError(f"{path.name} is damaged or was edited: {name} does not match the hash recorded "
                              "in recipe.json")
    return RecipeFile(recipe=recipe, files=files)


def hashed_outputs(recipe: Recipe) -> tuple[str, ...]:
    """Every output a recipe hashes: those its process requires, then any others it lists."""
    required = REQUIRED_OUTPUTS[recipe.process]
    return (*required, *sorted(set(recipe.outputs) - set(required)))


def _read_entries(archive: zipfile.ZipFile, label: str) -> dict[str, bytes]:
    infos = archive.infolist()
    unpacked = 0
    for info in infos:
        name = info.filename
        if not allowed_entry(name):
            raise RecipeError(f"{label} holds an unexpected entry {name!r}; a recipe holds only "
                              f"{', '.join(sorted(ALLOWED_ENTRIES))} and programs/ files")
        unpacked += info.file_size
        if unpacked > MAX_UNPACKED_BYTES:
            raise RecipeError(f"{label} unpacks to more than {MAX_UNPACKED_BYTES >> 30} GiB and is refused")
        if info.compress_size and info.file_size / info.compress_size > MAX_COMPRESSION_RATIO:
            raise RecipeError(f"{label}: {name} is compressed {info.file_size // info.compress_size}:1, "
                              "which is not a real recipe; refused")
    if len({i.filename for i in infos}) != len(infos):
        raise RecipeError(f"{label} holds the same entry twice and is refused")
    try:
        return {info.filename: archive.read(info) for info in infos}
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise RecipeError(f"{label} is damaged: {exc}") from exc
