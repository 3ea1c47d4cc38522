"""An Open Know-How (OKH v1.0) manifest for a recipe being published, so it can be found and made elsewhere.

The manifest sits beside the recipe (`box.localfab` -> `box.okh.json`) and points at it: the recipe carries
the part, the program and the design, and is what a workshop makes. Field names are those of the OKH
Manifest Specification 1.0; resources/workshops/okh-v1.schema.json is its published JSON schema.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from app.jobs import DESIGN_FILE, PART_FILE, PROGRAM_FILE, THUMBNAIL_FILE, RecipeFile
from app.workshops.errors import WorkshopError

OKH_VERSION = "1.0.0"
# An SPDX licence expression: identifiers (or LicenseRef-...) joined by AND, OR or WITH, with brackets.
_SPDX = re.compile(r"^\(?[A-Za-z0-9.+-]+\)?(\s+(AND|OR|WITH)\s+\(?[A-Za-z0-9.+-]+\)?)*$")


def okh_manifest(recipe_file: RecipeFile, recipe_name: str, recipe_bytes: bytes) -> dict[str, Any]:
    """The OKH manifest of a recipe published as `recipe_name` (a file name beside the manifest)."""
    design = recipe_file.recipe.design
    licence = str(design.get("licence", "")).strip()
    if not _SPDX.match(licence):
        raise WorkshopError(f"the design's licence {licence!r} is not an SPDX identifier (e.g. CC-BY-4.0); a "
                            "published recipe needs one: set `licence` in the template's manifest")
    description = str(design.get("description", "")).strip()
    if not description:
        raise WorkshopError("the design has no description; add one to the template's manifest before publishing")
    contains = [name for name in (PART_FILE, PROGRAM_FILE, DESIGN_FILE, THUMBNAIL_FILE) if name in recipe_file.files]
    printer = recipe_file.recipe.printer.get("name", "")
    manifest: dict[str, Any] = {
        "okh-manifest-version": OKH_VERSION,
        "title": str(design.get("name") or design["id"]),
        "description": description,
        "version": str(design["version"]),
        "license": {"hardware": licence, "documentation": licence},
        "documentation-home": recipe_name,
        "manufacturing-files": [{
            "title": f"localfab recipe: {recipe_file.recipe.process} program for {printer}, with its part and design",
            "path": recipe_name,
            "sha256": hashlib.sha256(recipe_bytes).hexdigest(),
            "contains": contains,
        }],
    }
    if design.get("author"):
        manifest["licensor"] = {"name": str(design["author"])}
    tags = [str(t) for t in design.get("tags", []) if str(t).strip()]
    if tags:
        manifest["keywords"] = list(dict.fromkeys(tags))
    return manifest


def write_okh_manifest(recipe_path: Path, recipe_file: RecipeFile) -> Path:
    """Write `<recipe stem>.okh.json` beside the recipe; returns its path."""
    target = recipe_path.with_name(recipe_path.name.removesuffix(".localfab") + ".okh.json")
    manifest = okh_manifest(recipe_file, recipe_path.name, recipe_path.read_bytes())
    target.write_text(json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    return target
