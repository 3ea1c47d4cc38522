"""Presets: named parameter sets for a template, kept as small JSON files that can be shared.

A preset file records the template id and version it was made for and the full, validated parameter values.
Loading checks the values against the template's current schema, so a preset from an older version that no
longer fits says which value is wrong instead of building something else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from parametric_designs.errors import DesignError, ParameterError
from parametric_designs.templates import Template, user_data_dir

FORMAT = "localfab.preset"
MAX_PRESET_BYTES = 256 << 10
_SAFE_NAME = re.compile(r"^[\w][\w .-]{0,79}$")


def presets_dir() -> Path:
    """Where presets are kept, one folder per template."""
    return user_data_dir() / "presets"


def preset_path(template: Template, name: str) -> Path:
    if not _SAFE_NAME.match(name):
        raise DesignError(f"{name!r} is not a usable preset name: use letters, digits, spaces, dots and dashes")
    return presets_dir() / template.id / f"{name}.json"


def save_preset(template: Template, name: str, values: Mapping[str, Any], path: Path | None = None) -> Path:
    """Validate `values` (defaults fill the rest) and save them as preset `name`; return the file written."""
    resolved = template.schema.resolve(values)
    target = path or preset_path(template, name)
    document = {"format": FORMAT, "name": name, "template": template.id, "template_version": template.version,
                "parameters": resolved}
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return target


def load_preset(template: Template, name_or_path: str) -> dict[str, Any]:
    """The parameter values of a preset, by name (for this template) or by file path, checked against the schema."""
    path = Path(name_or_path)
    if not (path.suffix == ".json" and path.is_file()):
        path = preset_path(template, name_or_path)
        if not path.is_file():
            known = ", ".join(list_presets(template)) or "none saved yet"
            raise DesignError(f"there is no preset {name_or_path!r} for {template.id} (presets: {known})")
    if path.stat().st_size > MAX_PRESET_BYTES:
        raise DesignError(f"{path.name} is too large to be a preset")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DesignError(f"{path.name} is not a preset file ({exc})") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise DesignError(f"{path.name} is not a localfab preset")
    if document.get("template") != template.id:
        raise DesignError(f"preset {path.name} is for {document.get('template')!r}, not {template.id!r}")
    parameters = document.get("parameters")
    if not isinstance(parameters, dict):
        raise DesignError(f"preset {path.name} holds no parameters")
    try:
        return template.schema.resolve(parameters)
    except ParameterError as exc:
        raise ParameterError(f"preset {document.get('name', path.stem)!r} no longer fits {template.id} "
                             f"{template.version}: {exc}") from exc


def list_presets(template: Template) -> list[str]:
    folder = presets_dir() / template.id
    return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []
