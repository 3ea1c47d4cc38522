"""The one schema of every setting (name, section, type, unit, default, range, help), from resources/settings.

The CLI's `--set`, the GUI's form and the profile files are all checked against it.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from app.errors import ProfileError
from parametric_designs.schema import parse_bool

SETTING_TYPES = ("float", "int", "bool", "str", "text")
SECTIONS = ("printer", "material", "print")
# Who reads a setting: the slicer (slicing.fdm.settings.FdmSettings holds exactly these) or only the
# manufacturability checks (app.checks), whose limits are properties of the printer or material all the same.
READERS = ("slicer", "checks")


@dataclass(frozen=True)
class SettingSpec:
    name: str
    section: str
    type: str
    help: str
    unit: str = ""
    default: Any = None
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()
    read_by: str = "slicer"

    def parse(self, value: Any) -> Any:
        """Check one value (typed, or text from a command line) and return it typed."""
        try:
            match self.type:
                case "float":
                    if isinstance(value, bool):
                        raise ValueError
                    typed: Any = float(value)
                    if not math.isfinite(typed):
                        raise ValueError
                case "int":
                    if isinstance(value, bool) or not float(value).is_integer():
                        raise ValueError
                    typed = int(float(value))
                case "bool":
                    typed = parse_bool(value)
                case _:
                    if not isinstance(value, str):
                        raise ValueError
                    typed = value
        except (TypeError, ValueError):
            kind = {"float": "a number", "int": "a whole number", "bool": "true or false"}.get(self.type, "text")
            raise ProfileError(f"{self.name}: {value!r} is not {kind}") from None
        unit = f" {self.unit}" if self.unit else ""
        if (self.min is not None and typed < self.min) or (self.max is not None and typed > self.max):
            raise ProfileError(f"{self.name} = {typed}{unit} is outside the allowed range "
                               f"{self.min} to {self.max}{unit}")
        if self.choices and typed not in self.choices:
            raise ProfileError(f"{self.name} = {typed!r} is not one of {', '.join(self.choices)}")
        return typed


@cache
def load_settings_schema(path: Path) -> dict[str, SettingSpec]:
    """Read a settings schema file; every entry is checked, including its own default."""
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"cannot read the settings schema {path}: {exc}") from exc
    specs: dict[str, SettingSpec] = {}
    for name, entry in table.items():
        if entry.get("section") not in SECTIONS or entry.get("type") not in SETTING_TYPES:
            raise ProfileError(f"{path}: setting {name} needs a section ({', '.join(SECTIONS)}) "
                               f"and a type ({', '.join(SETTING_TYPES)})")
        if entry.get("read_by", "slicer") not in READERS:
            raise ProfileError(f"{path}: setting {name} has read_by = {entry['read_by']!r}; use one of "
                               f"{', '.join(READERS)}")
        spec = SettingSpec(
            name=name, section=entry["section"], type=entry["type"], help=entry.get("help", ""),
            unit=entry.get("unit", ""), default=entry.get("default"), min=entry.get("min"),
            max=entry.get("max"), choices=tuple(entry.get("choices", ())), read_by=entry.get("read_by", "slicer"),
        )
        if spec.default is not None:
            spec.parse(spec.default)
        specs[name] = spec
    return specs
