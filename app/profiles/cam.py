"""The CNC and laser libraries: tools, cutting materials, machines and laser settings as TOML files under
resources/cam/, read into the slicing layer's dataclasses (the planner gets them by value)."""

from __future__ import annotations

import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any, TypeVar

from app.errors import ProfileError
from app.profiles.loader import resources_dir
from slicing.cnc.tooling import CncMachine, CuttingMaterial, Tool
from slicing.errors import SlicingError
from slicing.laser.settings import LaserSetting, LaserSettings

# Library kind -> (folder under resources/cam, the table each file holds, the dataclass it becomes).
_LIBRARIES: dict[str, tuple[str, str, type]] = {
    "tool": ("tools", "tool", Tool),
    "material": ("materials", "material", CuttingMaterial),
    "machine": ("machines", "machine", CncMachine),
}

T = TypeVar("T")


def cam_dir() -> Path:
    return resources_dir() / "cam"


def list_cam(kind: str) -> list[Any]:
    """Every tool, material or machine of the library, sorted by id."""
    folder, _, _ = _LIBRARIES[kind]
    return [_read(path, kind) for path in sorted((cam_dir() / folder).glob("*.toml"))]


def load_cam(kind: str, item_id: str) -> Any:
    """One tool, material or machine by id; an unknown id names the ones there are."""
    folder, _, _ = _LIBRARIES[kind]
    path = cam_dir() / folder / f"{item_id}.toml"
    if not path.is_file():
        known = ", ".join(item.id for item in list_cam(kind))
        raise ProfileError(f"no {kind} {item_id!r} in the CNC library: choose one of {known}")
    return _read(path, kind)


def load_laser_settings(settings_id: str) -> LaserSettings:
    """A laser's table of settings per material, thickness and operation."""
    path = cam_dir() / "laser" / f"{settings_id}.toml"
    if not path.is_file():
        known = ", ".join(p.stem for p in sorted((cam_dir() / "laser").glob("*.toml")))
        raise ProfileError(f"no laser settings {settings_id!r}: choose one of {known}")
    data = _toml(path)
    head = data.get("laser", {})
    try:
        rows = tuple(LaserSetting(**_known_keys(LaserSetting, row, path)) for row in data.get("setting", []))
        return LaserSettings(id=head.get("id", path.stem), name=head.get("name", path.stem), settings=rows)
    except (TypeError, SlicingError) as exc:
        raise ProfileError(f"{path}: {exc}") from exc


def _read(path: Path, kind: str) -> Any:
    _, table, cls = _LIBRARIES[kind]
    data = _toml(path).get(table)
    if not isinstance(data, dict):
        raise ProfileError(f"{path} has no [{table}] table")
    values = _known_keys(cls, data, path)
    for name, value in values.items():
        if isinstance(value, list):  # TOML arrays become tuples, as the frozen dataclasses hold them
            values[name] = tuple(tuple(v) if isinstance(v, list) else v for v in value)
    try:
        item = cls(**values)
    except TypeError as exc:
        raise ProfileError(f"{path}: {exc}") from exc
    except SlicingError as exc:
        raise ProfileError(f"{path}: {exc}") from exc
    if item.id != path.stem:
        raise ProfileError(f"{path}: id {item.id!r} differs from the file name; rename one of them")
    return item


def _known_keys(cls: type, data: dict[str, Any], path: Path) -> dict[str, Any]:
    names = {field.name for field in fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ProfileError(f"{path}: unknown keys {', '.join(unknown)} (known: {', '.join(sorted(names))})")
    return dict(data)


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"cannot read {path}: {exc}") from exc
