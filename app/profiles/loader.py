"""The one loader of profile files: printers, materials and print settings as TOML under resources/profiles.

A profile file has a `[profile]` table (id, name, kind) and a `[settings]` table whose keys and values are
checked against the settings schema (a profile of a kind may only set that kind's section). Resolving a setup
merges schema defaults, the print settings profile, the printer, the material and the user's overrides into
the flat settings the slicer reads.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from app.errors import ProfileError
from app.profiles.settings_schema import SettingSpec, load_settings_schema

PROFILE_FOLDERS = {"printer": "printers", "material": "materials", "print": "prints"}
DEFAULT_PRINTER = "generic-220"
# The print settings profile whose values are the schema's defaults (what a setup uses when none is chosen).
DEFAULT_PRINT = "0.20mm-quality"
# A layer much taller than the nozzle is wide cannot be squashed onto the one below.
MAX_LAYER_TO_NOZZLE = 0.8


@dataclass(frozen=True)
class Profile:
    id: str
    name: str
    kind: str
    settings: dict[str, Any]
    meta: dict[str, Any] = field(default_factory=dict)

    def as_record(self) -> dict[str, Any]:
        """The profile by value, as a recipe stores it."""
        return {"id": self.id, "name": self.name, "settings": dict(self.settings)}


@dataclass(frozen=True)
class FdmSetup:
    """Everything an FDM slice reads, resolved by value."""

    printer: Profile
    material: Profile
    print_settings: dict[str, Any]
    settings: dict[str, Any]
    print_profile: Profile | None = None  # None: the schema's default print settings


def resources_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "resources"


def fdm_schema() -> dict[str, SettingSpec]:
    return load_settings_schema(resources_dir() / "settings" / "fdm.toml")


def user_profiles_dir(kind: str) -> Path:
    """Where the user's own (imported) profiles of a kind are kept: $LOCALFAB_DATA_DIR, else the user data folder."""
    base = os.environ.get("LOCALFAB_DATA_DIR") or platformdirs.user_data_dir("localfab")
    return Path(base) / "profiles" / PROFILE_FOLDERS[kind]


def list_profiles(kind: str) -> list[Profile]:
    """All profiles of a kind ("printer", "material" or "print"): the built-in ones and the user's, sorted by id."""
    found: dict[str, Profile] = {}
    for folder in (resources_dir() / "profiles" / PROFILE_FOLDERS[kind], user_profiles_dir(kind)):
        for path in sorted(folder.glob("*.toml")):
            profile = _read_profile(path, kind)
            if profile.id in found:
                raise ProfileError(f"two {kind} profiles share the id {profile.id!r}: rename {path}")
            found[profile.id] = profile
    return [found[key] for key in sorted(found)]


def load_profile(kind: str, profile_id: str) -> Profile:
    profiles = {p.id: p for p in list_profiles(kind)}
    if profile_id in profiles:
        return profiles[profile_id]
    close = difflib.get_close_matches(profile_id, list(profiles), n=3)
    hint = f"did you mean {' or '.join(close)}? " if close else ""
    raise ProfileError(f"there is no {kind} profile called {profile_id!r}: {hint}known: {', '.join(profiles)}")


def resolve_fdm_setup(printer_id: str = DEFAULT_PRINTER, material_id: str | None = None,
                      overrides: Mapping[str, Any] | None = None, print_profile: str | None = None) -> FdmSetup:
    """Merge schema defaults < print profile < printer < material < overrides, check every value, and return
    the setup. `print_profile` is the id of a "print" profile; None keeps the schema's defaults (which are
    those of DEFAULT_PRINT). `FdmSetup.print_settings` holds every print-section value: the profile's (or the
    defaults) with the overrides on top.
    """
    printer = load_profile("printer", printer_id)
    material_id = material_id or printer.meta.get("default_material")
    if not material_id:
        raise ProfileError(f"the printer profile {printer.id!r} names no default material: choose one with --material")
    material = load_profile("material", material_id)
    schema = fdm_schema()
    defaults = {n: s.default for n, s in schema.items() if s.default is not None}
    print_settings = {n: v for n, v in defaults.items() if schema[n].section == "print"}
    chosen_print = load_profile("print", print_profile) if print_profile else None
    if chosen_print is not None:
        print_settings.update(chosen_print.settings)
    overridden = {}
    for name, value in (overrides or {}).items():
        if name not in schema:
            close = difflib.get_close_matches(name, list(schema), n=3)
            hint = f" (did you mean {' or '.join(close)}?)" if close else ""
            raise ProfileError(f"there is no setting called {name!r}{hint}; `localfab settings` lists them")
        overridden[name] = schema[name].parse(value)
    print_settings.update({n: v for n, v in overridden.items() if schema[n].section == "print"})
    settings = check_settings({**defaults, **print_settings, **printer.settings, **material.settings, **overridden})
    return FdmSetup(printer=printer, material=material, print_settings=print_settings, settings=settings,
                    print_profile=chosen_print)


def check_settings(values: Mapping[str, Any]) -> dict[str, Any]:
    """Check a full, flat set of FDM settings (as a recipe stores them) against the schema.

    Every schema key must be present and in range, and the values must make sense together.
    """
    schema = fdm_schema()
    unknown = sorted(set(values) - set(schema))
    if unknown:
        raise ProfileError(f"unknown setting(s) {', '.join(unknown)}: made by a newer localfab?")
    missing = sorted(set(schema) - set(values))
    if missing:
        raise ProfileError(f"the settings leave {', '.join(missing)} unset: add them to the printer or "
                           "material profile")
    settings = {name: schema[name].parse(values[name]) for name in sorted(values)}
    _check_consistency(settings)
    return settings


def with_newer_settings(values: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Recorded settings completed with the defaults of the settings this localfab has and they lack, and the
    names of those: a recipe made before a setting existed rebuilds as it was made, since every new setting's
    default keeps the behaviour from before it (and the rebuilt hashes show it if one did not)."""
    schema = fdm_schema()
    added = sorted(name for name in schema if name not in values and schema[name].default is not None)
    return {**values, **{name: schema[name].default for name in added}}, added


def _read_profile(path: Path, kind: str) -> Profile:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"cannot read the {kind} profile {path.name}: {exc}") from exc
    meta = dict(data.get("profile", {}))
    if meta.get("kind") != kind or "id" not in meta or "name" not in meta:
        raise ProfileError(f"{path}: [profile] needs id, name and kind = {kind!r}")
    schema = fdm_schema()
    settings = {}
    for name, value in data.get("settings", {}).items():
        spec = schema.get(name)
        if spec is None or spec.section != kind:
            raise ProfileError(f"{path.name}: {name!r} is not a {kind} setting")
        settings[name] = spec.parse(value)
    return Profile(id=str(meta.pop("id")), name=str(meta.pop("name")), kind=str(meta.pop("kind")),
                   settings=settings, meta=meta)


def _check_consistency(settings: Mapping[str, Any]) -> None:
    nozzle = settings["nozzle_diameter"]
    for name in ("layer_height", "first_layer_height"):
        if settings[name] > MAX_LAYER_TO_NOZZLE * nozzle + 1e-9:
            raise ProfileError(f"{name} = {settings[name]} mm is more than {MAX_LAYER_TO_NOZZLE:.0%} of the "
                               f"{nozzle} mm nozzle: use at most {MAX_LAYER_TO_NOZZLE * nozzle:.2f} mm")
    if settings["line_width"] < nozzle * 0.9:
        raise ProfileError(f"line_width = {settings['line_width']} mm is narrower than the {nozzle} mm "
                           "nozzle can lay down: use at least 90% of the nozzle diameter")
