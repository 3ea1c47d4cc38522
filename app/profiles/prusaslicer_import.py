"""Import of PrusaSlicer profiles: a config export (flat `key = value`) or a vendor bundle (`[printer:NAME]`,
`[filament:NAME]`, `[print:NAME]` sections with `inherits` chains), into localfab's printer, material and print
profiles.

Every value that arrives is mapped to a key of the settings schema and checked against it: a value outside
the schema's range refuses the whole import, with a message naming the PrusaSlicer key and value. PrusaSlicer
keys without a counterpart are listed in the report, never silently dropped.

Start and end G-code are translated placeholder by placeholder (`[first_layer_temperature]`,
`{first_layer_temperature[0]}` become `{first_layer_temperature}`). When a template holds anything that cannot
be translated exactly (conditionals, expressions, variables localfab does not know), the whole template is
replaced by the safe generic one in resources/profiles/import-fallback.toml, and the report says what was not
translated: a half-translated template, with lines commented out, would print something nobody reviewed (an
intro line inside `{if}`/`{else}` would vanish, a mesh-levelling call would be lost). The vendor's original
text is kept in the profile's [profile] table, for a person to port by hand.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.errors import ProfileError
from app.profiles.loader import Profile, fdm_schema, resources_dir

# Bounds on what an untrusted file may make us do. PrusaResearch.ini, the largest vendor bundle, is ~1.3 MB.
MAX_INI_BYTES = 32 * 1024 * 1024
MAX_INHERIT_DEPTH = 32

FALLBACK_GCODE_FILE = "import-fallback.toml"
KINDS = {"printer": "printer", "filament": "material", "print": "print"}

# PrusaSlicer's rule for a width left at 0 ("auto"): 1.125 x the nozzle diameter (perimeters, external
# perimeters and the default width alike; see `prusa-slicer --help-fff`, --perimeter-extrusion-width).
AUTO_WIDTH_PER_NOZZLE = 1.125

# PrusaSlicer key -> schema key, for numbers that carry over one to one (same meaning, same unit).
DIRECT_KEYS = {
    "nozzle_diameter": "nozzle_diameter",
    "max_print_height": "max_print_height",
    "travel_speed": "travel_speed",
    "retract_length": "retract_length",
    "retract_speed": "retract_speed",
    "retract_before_travel": "retract_min_travel",
    "filament_diameter": "filament_diameter",
    "filament_density": "filament_density",
    "filament_cost": "filament_cost",
    "temperature": "temperature",
    "first_layer_temperature": "first_layer_temperature",
    "bed_temperature": "bed_temperature",
    "first_layer_bed_temperature": "first_layer_bed_temperature",
    "layer_height": "layer_height",
    "perimeters": "perimeters",
    "top_solid_layers": "top_solid_layers",
    "bottom_solid_layers": "bottom_solid_layers",
    "fill_density": "infill_density",
    "fill_angle": "infill_angle",
    "perimeter_speed": "perimeter_speed",
    "infill_speed": "infill_speed",
    "skirts": "skirt_loops",
    "skirt_distance": "skirt_distance",
    "travel_speed_z": "travel_speed_z",
    "support_material_interface_layers": "support_material_interface_layers",
    "support_material_interface_spacing": "support_material_interface_spacing",
    **{
        f"machine_max_{kind}_{axis}": f"machine_max_{kind}_{axis}"
        for kind, axes in (
            ("acceleration", ("x", "y", "z", "e", "extruding", "retracting", "travel")),
            ("feedrate", ("x", "y", "z", "e")),
            ("jerk", ("x", "y", "z", "e")),
        )
        for axis in axes
    },
}
# PrusaSlicer switches (0 or 1) -> schema key.
SWITCH_KEYS = {
    "external_perimeters_first": "external_perimeters_first",
    "avoid_crossing_perimeters": "avoid_crossing_perimeters",
}
# PrusaSlicer's per-feature extrusion widths -> schema key. Each is in mm or a percentage of the nozzle
# diameter; 0 takes extrusion_width (the first layer's: each feature's own width), and 0 there too is "auto".
FEATURE_WIDTH_KEYS = {
    "external_perimeter_extrusion_width": "external_perimeter_extrusion_width",
    "perimeter_extrusion_width": "perimeter_extrusion_width",
    "infill_extrusion_width": "infill_extrusion_width",
    "solid_infill_extrusion_width": "solid_infill_extrusion_width",
    "top_infill_extrusion_width": "top_infill_extrusion_width",
    "support_material_extrusion_width": "support_material_extrusion_width",
    "first_layer_extrusion_width": "first_layer_extrusion_width",
}
# Speeds for which PrusaSlicer reads 0 as "automatic" (from the volumetric limit), which localfab cannot do.
AUTO_SPEEDS = ("perimeter_speed", "infill_speed", "external_perimeter_speed", "solid_infill_speed")

# PrusaSlicer keys read to compute a schema value, or to decide a warning; they are not "ignored".
CONTEXT_KEYS = frozenset({
    "bed_shape", "first_layer_height", "external_perimeter_speed", "solid_infill_speed", "first_layer_speed",
    "extrusion_width", "perimeter_extrusion_width", "max_fan_speed", "min_fan_speed", "cooling", "fan_always_on",
    "gcode_flavor", "start_gcode", "end_gcode", "autoemit_temperature_commands", "inherits", "printer_model",
    "printer_variant", "z_offset", "use_relative_e_distances", "use_firmware_retraction", "use_volumetric_e",
    "machine_limits_usage", "filament_type", "default_filament_profile", "default_print_profile",
    "filament_retract_length", "filament_retract_speed", "filament_retract_before_travel",
    "printer_settings_id", "filament_settings_id", "print_settings_id", "start_filament_gcode",
    "end_filament_gcode",
})  # fmt: skip

FLAVORS_AS_MARLIN2 = {
    "marlin2": "",
    "marlin": "PrusaSlicer's legacy Marlin flavour is written as Marlin 2 G-code, which Marlin 1 also runs",
    "klipper": "Klipper runs Marlin 2 G-code; localfab has no klipper flavour yet",
}

# PrusaSlicer placeholder -> schema key, where the value PrusaSlicer substitutes is the value we store.
PLACEHOLDER_KEYS = {
    **{k: v for k, v in DIRECT_KEYS.items() if k not in ("fill_density", *AUTO_SPEEDS)},
    "first_layer_height": "first_layer_height",
    "max_layer_z": "max_layer_z",
}
# Printer settings PrusaSlicer substitutes that stay constant for one printer: written in as text.
CONSTANT_PLACEHOLDERS = ("printer_model", "printer_variant")
# Indexes that mean "the first (only) extruder" on a single-extruder printer.
FIRST_EXTRUDER = ("0", "initial_tool", "current_extruder", "initial_extruder")

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_INDEX = rf"(?:\[\s*({_IDENT}|\d+)\s*\])?"
_BRACE_VARIABLE = re.compile(rf"\s*({_IDENT}){_INDEX}\s*")
_BRACES = re.compile(r"\{[^{}]*\}")
# A legacy [name] / [name[index]] placeholder, or a {...} macro (a variable, an expression or a conditional).
_TOKEN = re.compile(rf"\[(?P<legacy_name>{_IDENT})(?:\[\s*(?P<legacy_index>{_IDENT}|\d+)\s*\])?\]|\{{[^{{}}]*\}}")
_TEMPERATURE_COMMAND = re.compile(r"^\s*(M1(?:04|09|40|90))(?![0-9])", re.IGNORECASE)


@dataclass(frozen=True)
class ImportReport:
    """What an import produced. profiles: the printer, material and print profiles found, in that order;
    warnings: what differs from PrusaSlicer, each saying what to check; ignored: PrusaSlicer keys with no
    counterpart in localfab; missing: per profile kind, schema keys that have no default and that the source
    did not give (the profile cannot be used until they are added)."""

    source: str
    profiles: tuple[Profile, ...]
    warnings: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()
    missing: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def profile(self, kind: str) -> Profile:
        """The imported profile of a kind ("printer", "material" or "print")."""
        for profile in self.profiles:
            if profile.kind == kind:
                return profile
        raise ProfileError(f"{self.source} gave no {kind} profile")


# --- reading the files ---------------------------------------------------------------------------------------


def read_ini_text(path: Path) -> str:
    """The text of a PrusaSlicer .ini, bounded in size; CRLF and a BOM are accepted."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_INI_BYTES:
            raise ProfileError(f"{path.name} is {size / 2**20:.1f} MB: a PrusaSlicer profile is never that large")
        return path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ProfileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ProfileError(f"{path.name} is not UTF-8 text: is it a PrusaSlicer .ini?") from exc


def parse_ini(text: str) -> dict[str, dict[str, str]]:
    """Sections of a PrusaSlicer .ini as {header: {key: raw value}}; keys before any header go under "".

    Lines starting with # or ; are comments; values keep everything after the first "=" (G-code holds ";"),
    stripped of surrounding blanks.
    """
    sections: dict[str, dict[str, str]] = {"": {}}
    current = sections[""]
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        if stripped.startswith("[") and stripped.endswith("]"):
            current = sections.setdefault(stripped[1:-1].strip(), {})
            continue
        key, equals, value = stripped.partition("=")
        if not equals or not key.strip():
            raise ProfileError(f"line {number} is neither `key = value` nor a [section]: {stripped[:60]!r}")
        current[key.strip()] = value.strip()
    return sections


def list_bundle_presets(path: Path, kind: str = "printer") -> list[str]:
    """Names of the presets of a kind ("printer", "filament" or "print") a vendor bundle offers (abstract
    `*name*` building blocks left out)."""
    sections = parse_ini(read_ini_text(path))
    return [name for section_kind, name in map(_split_header, sections) if section_kind == kind
            and not _is_abstract(name)]


def resolve_preset(sections: Mapping[str, Mapping[str, str]], kind: str, name: str) -> dict[str, str]:
    """The flat values of one bundle preset: its `inherits` parents applied left to right, then its own keys."""
    resolved: dict[str, dict[str, str]] = {}  # each preset once, however many presets inherit from it

    def resolve(preset: str, chain: tuple[str, ...]) -> dict[str, str]:
        if preset in chain:
            raise ProfileError(f"[{kind}:{preset}] inherits from itself: {' -> '.join((*chain, preset))}")
        if len(chain) >= MAX_INHERIT_DEPTH:
            raise ProfileError(f"[{kind}:{name}] inherits more than {MAX_INHERIT_DEPTH} levels deep")
        if preset in resolved:
            return resolved[preset]
        own = sections.get(f"{kind}:{preset}")
        if own is None:
            where = f" (inherited by [{kind}:{chain[-1]}])" if chain else ""
            raise ProfileError(f"there is no [{kind}:{preset}] in the bundle{where}")
        values: dict[str, str] = {}
        for parent in _split_list(own.get("inherits", "")):
            values.update(resolve(parent, (*chain, preset)))
        values.update({k: v for k, v in own.items() if k != "inherits"})
        resolved[preset] = values
        return values

    return dict(resolve(name, ()))


# --- the two entry points ------------------------------------------------------------------------------------


def import_prusaslicer_ini(path: Path) -> ImportReport:
    """Import a PrusaSlicer config export (File > Export > Export Config): flat `key = value` lines holding
    printer, filament and print settings together. Raises ProfileError for a value outside the schema."""
    path = Path(path)
    sections = parse_ini(read_ini_text(path))
    if any(_split_header(header)[0] in KINDS for header in sections if header):
        raise ProfileError(f"{path.name} is a config bundle with [printer:...] sections: import it as a vendor "
                           "bundle, naming the printer")
    values = sections[""]
    if not values:
        raise ProfileError(f"{path.name} holds no settings")
    names = {kind: _unquote(values.get(f"{kind}_settings_id", "")) for kind in KINDS}
    return _convert(values, names=names, fallback_name=path.stem, source=f"config {path.name}",
                    kinds_present=set(KINDS), from_bundle=False)


def import_vendor_bundle(path: Path, printer: str | None = None, *, filament: str | None = None,
                         print_settings: str | None = None) -> ImportReport:
    """Import presets of a PrusaSlicer vendor bundle (such as /usr/share/PrusaSlicer/profiles/Creality.ini).

    printer: the [printer:NAME] to import; its default filament and print presets come along unless filament
    or print_settings name others. A filament alone may be imported without a printer.
    """
    path = Path(path)
    if printer is None and filament is None:
        raise ProfileError("name a printer or a filament preset to import from the bundle")
    sections = parse_ini(read_ini_text(path))
    warnings: list[str] = []
    chosen: dict[str, str] = {}
    resolved: dict[str, dict[str, str]] = {}
    if printer is not None:
        chosen["printer"] = _check_preset_name(sections, "printer", printer, path)
        resolved["printer"] = resolve_preset(sections, "printer", chosen["printer"])
    for kind, asked, default_key in (("filament", filament, "default_filament_profile"),
                                     ("print", print_settings, "default_print_profile")):
        default = _split_list(resolved.get("printer", {}).get(default_key, ""))
        if asked is not None:
            chosen[kind] = _check_preset_name(sections, kind, asked, path)
        elif default and f"{kind}:{default[0]}" in sections:
            chosen[kind] = default[0]
        elif default:
            warnings.append(f"the printer's default {kind} preset {default[0]!r} is not in {path.name}: "
                            f"no {KINDS[kind]} profile was imported")
        if kind in chosen:
            resolved[kind] = resolve_preset(sections, kind, chosen[kind])
    values: dict[str, str] = {}
    for kind in ("print", "filament", "printer"):  # printer keys win where PrusaSlicer keys clash
        values.update(resolved.get(kind, {}))
    version = sections.get("vendor", {}).get("config_version", "")
    source = f"{path.name}{f' (config_version {version})' if version else ''}"
    report = _convert(values, names=chosen, fallback_name=path.stem, source=source, kinds_present=set(chosen),
                      from_bundle=True)
    return ImportReport(source=report.source, profiles=report.profiles,
                        warnings=tuple(warnings) + report.warnings, ignored=report.ignored, missing=report.missing)


# --- conversion ----------------------------------------------------------------------------------------------


@dataclass
class _Conversion:
    values: Mapping[str, str]
    source: str
    settings: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    used: set[str] = field(default_factory=set)
    kinds: frozenset[str] = frozenset()
    bed_origin: tuple[float, float] = (0.0, 0.0)

    def raw(self, key: str) -> str | None:
        """The value of a PrusaSlicer key, None when absent or `nil` (PrusaSlicer's "not set here")."""
        value = self.values.get(key)
        if value is None:
            return None
        self.used.add(key)
        value = value.strip()
        return None if value in ("nil", "") else value

    def number(self, key: str, *, percent: bool = False) -> tuple[float, bool] | None:
        """(value, is_percent) of a numeric key; lists of per-extruder values give the first extruder's."""
        value = self.raw(key)
        if value is None:
            return None
        first = _unquote(value.split(",")[0].strip())
        is_percent = first.endswith("%")
        if is_percent and not percent:
            raise ProfileError(f"{self.source}: {key} = {value!r}: a percentage is not allowed for this setting")
        try:
            return float(first.rstrip("%").strip()), is_percent
        except ValueError:
            raise ProfileError(f"{self.source}: {key} = {value!r} is not a number") from None

    def set(self, name: str, value: Any, ps_key: str, raw: str | None = None) -> None:
        """Check a value against the schema entry and keep it; refuse it naming the PrusaSlicer key."""
        spec = fdm_schema()[name]
        if spec.type == "int" and isinstance(value, float) and value.is_integer():
            value = int(value)
        try:
            self.settings[name] = spec.parse(value)
        except ProfileError as exc:
            shown = raw if raw is not None else self.values.get(ps_key, value)
            raise ProfileError(f"{self.source}: {ps_key} = {shown} cannot be imported: {exc}") from None


def _convert(values: Mapping[str, str], *, names: Mapping[str, str], fallback_name: str, source: str,
             kinds_present: set[str], from_bundle: bool) -> ImportReport:
    conv = _Conversion(values=values, source=source, kinds=frozenset(kinds_present))
    _map_direct(conv)
    _map_bed_shape(conv)
    _map_print_speeds(conv)
    _map_first_layer_height(conv)
    _map_line_width(conv)
    _map_feature_widths(conv)
    _map_switches(conv)
    _map_max_detour(conv)
    _map_machine_limits_usage(conv)
    _map_fan(conv)
    _map_flavor(conv)
    _warn_unsupported(conv)
    originals = _map_gcode(conv)

    schema = fdm_schema()
    profiles = []
    missing: dict[str, tuple[str, ...]] = {}
    for ps_kind, kind in KINDS.items():
        if ps_kind not in kinds_present:
            continue
        settings = {n: v for n, v in conv.settings.items() if schema[n].section == kind}
        if not settings:
            continue
        name = names.get(ps_kind) or f"{fallback_name} ({kind})"
        where = f", [{ps_kind}:{name}]" if from_bundle else ""
        meta: dict[str, Any] = {"source": f"PrusaSlicer {source}{where}"}
        if kind == "printer":
            meta.update({f"prusaslicer_{k}": v for k, v in originals.items()})
            model = _unquote(conv.raw("printer_model") or "")
            if model:
                meta["printer_model"] = model
        if kind == "material":
            filament_type = _unquote(conv.raw("filament_type") or "")
            if filament_type:
                meta["filament_type"] = filament_type
        profiles.append(Profile(id=slug(name), name=name, kind=kind, settings=settings, meta=meta))
        absent = sorted(n for n, s in schema.items() if s.section == kind and s.default is None and n not in settings)
        if absent:
            missing[kind] = tuple(absent)
    ignored = tuple(sorted(set(values) - conv.used - set(DIRECT_KEYS) - CONTEXT_KEYS))
    return ImportReport(source=source, profiles=tuple(profiles), warnings=tuple(conv.warnings), ignored=ignored,
                        missing=missing)


def _map_direct(conv: _Conversion) -> None:
    for ps_key, name in DIRECT_KEYS.items():
        got = conv.number(ps_key, percent=name == "infill_density")
        if got is None:
            continue
        value, _ = got
        if ps_key in AUTO_SPEEDS and value == 0.0:
            conv.warnings.append(f"{ps_key} = 0 is PrusaSlicer's automatic speed, which localfab does not have: "
                                 f"{name} keeps localfab's default; set it by hand")
            continue
        conv.set(name, value, ps_key)


def _map_bed_shape(conv: _Conversion) -> None:
    raw = conv.raw("bed_shape")
    if raw is None:
        return
    try:
        points = [tuple(float(c) for c in point.strip().split("x")) for point in raw.split(",")]
        if any(len(p) != 2 for p in points):
            raise ValueError
    except ValueError:
        raise ProfileError(f"{conv.source}: bed_shape = {raw!r} is not a list of XxY points") from None
    xs = sorted({p[0] for p in points})
    ys = sorted({p[1] for p in points})
    if len(points) != 4 or len(xs) != 2 or len(ys) != 2:
        raise ProfileError(f"{conv.source}: bed_shape = {raw!r} is not a rectangle: localfab handles rectangular "
                           "beds with the origin at a corner only (no round delta beds yet)")
    conv.set("bed_size_x", xs[1] - xs[0], "bed_shape", raw)
    conv.set("bed_size_y", ys[1] - ys[0], "bed_shape", raw)
    conv.bed_origin = (xs[0], ys[0])
    if conv.bed_origin != (0.0, 0.0):
        conv.warnings.append(
            f"bed_shape = {raw}: the printable area starts at X {xs[0]:g}, Y {ys[0]:g}, and localfab places parts "
            f"on a bed whose corner is at 0, 0, so every move is {xs[0]:g} mm in X and {ys[0]:g} mm in Y off "
            "from where PrusaSlicer would put it (the bed size is right); keep parts away from the edges")


def _map_print_speeds(conv: _Conversion) -> None:
    """Speeds PrusaSlicer may give as a percentage of another speed, resolved to mm/s."""
    for key, base in (("external_perimeter_speed", "perimeter_speed"), ("solid_infill_speed", "infill_speed")):
        got = conv.number(key, percent=True)
        if got is None:
            continue
        value, is_percent = got
        if value == 0.0:
            conv.warnings.append(f"{key} = 0 is PrusaSlicer's automatic speed, which localfab does not have: "
                                 f"{key} keeps localfab's default; set it by hand")
            continue
        if is_percent:
            if base not in conv.settings:
                conv.warnings.append(f"{key} = {conv.values[key]} is a share of {base}, which the source does not "
                                     f"give: {key} keeps localfab's default")
                continue
            value = conv.settings[base] * value / 100.0
        conv.set(key, value, key)
    got = conv.number("first_layer_speed", percent=True)
    if got is None:
        return
    value, is_percent = got
    if is_percent:
        # PrusaSlicer scales every first-layer speed by the percentage; localfab caps them with one speed. The
        # share of the slowest feature speed never prints anything faster than PrusaSlicer would.
        speeds = [conv.settings[k] for k in ("external_perimeter_speed", "perimeter_speed", "solid_infill_speed",
                                             "infill_speed") if k in conv.settings]
        if not speeds:
            conv.warnings.append(f"first_layer_speed = {conv.values['first_layer_speed']} is a share of speeds the "
                                 "source does not give: first_layer_speed keeps localfab's default")
            return
        value = min(speeds) * value / 100.0
        conv.warnings.append(f"first_layer_speed = {conv.values['first_layer_speed']} scales each speed in "
                             f"PrusaSlicer; localfab caps the first layer at {value:g} mm/s (that share of the "
                             "slowest speed), so some first-layer lines print slower than in PrusaSlicer")
    conv.set("first_layer_speed", value, "first_layer_speed")


def _map_first_layer_height(conv: _Conversion) -> None:
    got = conv.number("first_layer_height", percent=True)
    if got is None:
        return
    value, is_percent = got
    if is_percent:
        if "layer_height" not in conv.settings:
            conv.warnings.append(f"first_layer_height = {conv.values['first_layer_height']} is a share of "
                                 "layer_height, which the source does not give: it keeps localfab's default")
            return
        value = round(conv.settings["layer_height"] * value / 100.0, 4)
    conv.set("first_layer_height", value, "first_layer_height")


def _map_line_width(conv: _Conversion) -> None:
    """localfab's one line_width is PrusaSlicer's perimeter width: perimeter_extrusion_width, else
    extrusion_width, else (both 0, "auto") 1.125 x the nozzle diameter."""
    for key in ("perimeter_extrusion_width", "extrusion_width"):
        value = _width_mm(conv, key)
        if value:
            conv.set("line_width", value, key)
            return
    # Both absent or 0: PrusaSlicer's default for both is 0, "auto".
    if "nozzle_diameter" in conv.settings and "print" in conv.kinds:
        width = round(conv.settings["nozzle_diameter"] * AUTO_WIDTH_PER_NOZZLE, 4)
        conv.set("line_width", width, "extrusion_width", raw="0 (auto)")
        conv.warnings.append(f"the extrusion widths are automatic (0): line_width = {width:g} mm, PrusaSlicer's "
                             f"{AUTO_WIDTH_PER_NOZZLE:g} x nozzle diameter for perimeters")


def _map_feature_widths(conv: _Conversion) -> None:
    """Each feature's width: its own, else extrusion_width; left at 0 (line_width) when both are 0."""
    default = _width_mm(conv, "extrusion_width")
    for ps_key, name in FEATURE_WIDTH_KEYS.items():
        value = _width_mm(conv, ps_key)
        if not value and ps_key != "first_layer_extrusion_width":
            value = default
        if value:
            conv.set(name, value, ps_key)


def _width_mm(conv: _Conversion, key: str) -> float | None:
    """A PrusaSlicer extrusion width in mm (a percentage is of the nozzle diameter); None when absent, and
    when a percentage comes without the nozzle diameter (with a warning)."""
    got = conv.number(key, percent=True)
    if got is None:
        return None
    value, is_percent = got
    if not is_percent or value == 0.0:
        return value
    if "nozzle_diameter" not in conv.settings:
        conv.warnings.append(f"{key} = {conv.values[key]} is a share of the nozzle diameter, which the source "
                             "does not give: it keeps localfab's default")
        return None
    return round(conv.settings["nozzle_diameter"] * value / 100.0, 4)


def _map_switches(conv: _Conversion) -> None:
    for ps_key, name in SWITCH_KEYS.items():
        value = _first(conv.raw(ps_key))
        if value is not None:
            conv.set(name, value, ps_key)


def _map_machine_limits_usage(conv: _Conversion) -> None:
    """emit_to_gcode writes the limits at the start of the G-code; PrusaSlicer's other choices do not."""
    usage = _unquote(conv.raw("machine_limits_usage") or "")
    if usage:
        conv.set("emit_machine_limits", usage == "emit_to_gcode", "machine_limits_usage")


def _map_max_detour(conv: _Conversion) -> None:
    """avoid_crossing_perimeters_max_detour: mm carry over; a percentage of each travel's length cannot."""
    got = conv.number("avoid_crossing_perimeters_max_detour", percent=True)
    if got is None:
        return
    value, is_percent = got
    if is_percent and value != 0.0:
        conv.warnings.append(f"avoid_crossing_perimeters_max_detour = {value:g}% is a share of each travel, "
                             "which localfab does not have: routed travels may be any length")
        return
    conv.set("avoid_crossing_perimeters_max_detour", value, "avoid_crossing_perimeters_max_detour")


def _map_fan(conv: _Conversion) -> None:
    """localfab runs the fan at one speed from the second layer on; PrusaSlicer's fan logic, reduced to it."""
    top = conv.number("max_fan_speed")
    if top is None:
        return
    low = conv.number("min_fan_speed")
    cooling, always_on = _first(conv.raw("cooling")) != "0", _first(conv.raw("fan_always_on")) == "1"
    if not cooling and not always_on:
        conv.set("fan_speed", 0.0, "max_fan_speed", raw="0 (cooling = 0, fan_always_on = 0)")
        conv.warnings.append("cooling = 0 and fan_always_on = 0: PrusaSlicer runs the fan for bridges only, so "
                             "fan_speed = 0 (localfab has no bridge fan)")
    elif not cooling:
        speed = low[0] if low is not None else top[0]
        conv.set("fan_speed", speed, "min_fan_speed")
        conv.warnings.append(f"cooling = 0 and fan_always_on = 1: PrusaSlicer keeps the fan at min_fan_speed, so "
                             f"fan_speed = {speed:g}%")
    else:
        conv.set("fan_speed", top[0], "max_fan_speed")
        if not always_on:
            conv.warnings.append(f"fan_always_on = 0: PrusaSlicer runs the fan (up to max_fan_speed = {top[0]:g}%) "
                                 "only on layers printed faster than fan_below_layer_time; localfab runs it at "
                                 f"fan_speed = {top[0]:g}% on every layer from the second on")
        elif low is not None and low[0] != top[0]:
            conv.warnings.append(f"PrusaSlicer varies the fan between min_fan_speed = {low[0]:g}% and "
                                 f"max_fan_speed = {top[0]:g}% with the layer time; localfab runs it at "
                                 f"fan_speed = {top[0]:g}% from the second layer on")


def _map_flavor(conv: _Conversion) -> None:
    raw = conv.raw("gcode_flavor")
    if raw is None:
        return
    flavor = _unquote(raw).lower()
    if flavor not in FLAVORS_AS_MARLIN2:
        raise ProfileError(f"{conv.source}: gcode_flavor = {raw} cannot be imported: localfab writes Marlin 2 "
                           f"G-code only (and accepts {', '.join(FLAVORS_AS_MARLIN2)})")
    conv.set("gcode_flavor", "marlin2", "gcode_flavor")
    if FLAVORS_AS_MARLIN2[flavor]:
        conv.warnings.append(f"gcode_flavor = {flavor}: {FLAVORS_AS_MARLIN2[flavor]}")


def _warn_unsupported(conv: _Conversion) -> None:
    """Settings whose non-default values change the G-code in ways localfab does not reproduce."""
    z_offset = conv.number("z_offset")
    if z_offset is not None and z_offset[0] != 0.0:
        conv.warnings.append(f"z_offset = {z_offset[0]:g}: PrusaSlicer shifts every Z by it and localfab does not; "
                             "set the offset in the firmware (M851 / babystepping) instead")
    for key, meaning in (("use_firmware_retraction", "firmware retraction (G10/G11)"),
                         ("use_volumetric_e", "volumetric E values")):
        if _first(conv.raw(key)) == "1":
            conv.warnings.append(f"{key} = 1: localfab does not write {meaning}; it writes ordinary E moves")
    if _first(conv.raw("use_relative_e_distances")) == "0":
        conv.warnings.append("use_relative_e_distances = 0: localfab always writes relative E (M83) after the "
                             "start G-code")
    for key in ("start_filament_gcode", "end_filament_gcode"):
        text = unescape_value(conv.raw(key) or "")
        if any(line.split(";", 1)[0].strip() for line in text.splitlines()):
            conv.warnings.append(f"{key} is not imported: localfab has no per-material G-code (it often sets "
                                 "linear advance, M900 K, for the filament)")
    for key, name in (("filament_retract_length", "retract_length"), ("filament_retract_speed", "retract_speed"),
                      ("filament_retract_before_travel", "retract_min_travel")):
        value = conv.raw(key)
        if value is not None:
            conv.warnings.append(f"the filament sets its own {key} = {_first(value)}, which a localfab material "
                                 f"cannot hold: the printer's {name} is used")


# --- start and end G-code ------------------------------------------------------------------------------------


def _map_gcode(conv: _Conversion) -> dict[str, str]:
    """Translate start_gcode and end_gcode; returns the vendor originals of those that were replaced."""
    originals: dict[str, str] = {}
    constants = {k: _unquote(conv.values[k]) for k in CONSTANT_PLACEHOLDERS if conv.values.get(k, "").strip()}
    origin_is_zero = conv.bed_origin == (0.0, 0.0)
    for key, label in (("start_gcode", "start G-code"), ("end_gcode", "end G-code")):
        raw = conv.values.get(key)
        if raw is None or raw.strip() == "nil":
            continue
        conv.used.add(key)
        text = unescape_value(raw)
        translated, untranslated = translate_placeholders(text, constants=constants, origin_is_zero=origin_is_zero)
        if untranslated:
            shown = ", ".join(_shorten(u) for u in untranslated)
            conv.warnings.append(f"the {label} uses what localfab cannot translate exactly ({shown}): it was "
                                 f"replaced by localfab's generic {label}; the original is kept in the profile "
                                 f"as prusaslicer_{key}: port it by hand")
            originals[key] = text
            translated = fallback_gcode()[key]
        elif key == "start_gcode" and _first(conv.raw("autoemit_temperature_commands")) != "0":
            translated = add_implicit_temperatures(translated)
        conv.set(key, translated, key, raw=f"<{label}>")
    return originals


def translate_placeholders(text: str, *, constants: Mapping[str, str] | None = None,
                           origin_is_zero: bool = True) -> tuple[str, list[str]]:
    """PrusaSlicer placeholders in G-code as localfab ones.

    Returns the translated text and the fragments that have no exact translation (conditionals, expressions,
    unknown variables, another extruder's values), in order of appearance, without repeats.
    """
    constants = constants or {}
    untranslated: list[str] = []

    def variable(name: str, index: str | None, original: str) -> str:
        if index is not None and index not in FIRST_EXTRUDER:
            if name == "print_bed_max" and index in ("0", "1") and origin_is_zero:
                return "{bed_size_x}" if index == "0" else "{bed_size_y}"
            untranslated.append(original)
            return original
        legacy_index = re.fullmatch(r"(.+)_0", name)
        if name not in PLACEHOLDER_KEYS and name not in constants and legacy_index:
            name = legacy_index.group(1)
        if name in PLACEHOLDER_KEYS:
            return "{" + PLACEHOLDER_KEYS[name] + "}"
        if name in constants:
            return constants[name]
        untranslated.append(original)
        return original

    def token(match: re.Match[str]) -> str:
        if match.group("legacy_name"):
            return variable(match.group("legacy_name"), match.group("legacy_index"), match.group(0))
        inner = _BRACE_VARIABLE.fullmatch(match.group(0)[1:-1])
        if inner is None:
            untranslated.append(match.group(0))
            return match.group(0)
        return variable(inner.group(1), inner.group(2), match.group(0))

    # One pass, so that what is written in is never read again as PrusaSlicer text.
    out = _TOKEN.sub(token, text)
    leftover = _BRACES.sub("", text)
    if "{" in leftover or "}" in leftover:
        untranslated.append("unbalanced { }")
    seen: list[str] = []
    for item in untranslated:
        if item not in seen:
            seen.append(item)
    return out, seen


def add_implicit_temperatures(start_gcode: str) -> str:
    """What PrusaSlicer adds around a start G-code that does not set the temperatures itself: M190 (bed) and
    M104 (nozzle) before it, M109 (wait for the nozzle) after it. Comment lines do not count."""
    commands = set()
    for line in start_gcode.splitlines():
        match = _TEMPERATURE_COMMAND.match(line.split(";", 1)[0])
        if match:
            commands.add(match.group(1).upper())
    before, after = [], []
    if not commands & {"M140", "M190"}:
        before.append("M190 S{first_layer_bed_temperature} ; wait for the bed (PrusaSlicer adds this)")
    if not commands & {"M104", "M109"}:
        before.append("M104 S{first_layer_temperature} ; heat the nozzle (PrusaSlicer adds this)")
        after.append("M109 S{first_layer_temperature} ; wait for the nozzle (PrusaSlicer adds this)")
    if not before:
        return start_gcode
    middle = [start_gcode.strip("\n")] if start_gcode.strip() else []
    return "\n".join([*before, *middle, *after]) + "\n"


def fallback_gcode() -> dict[str, str]:
    """The generic start and end G-code an untranslatable template is replaced by."""
    path = resources_dir() / "profiles" / FALLBACK_GCODE_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data.get("start_gcode"), str) or not isinstance(data.get("end_gcode"), str):
        raise ProfileError(f"{path} needs start_gcode and end_gcode")
    return {"start_gcode": data["start_gcode"], "end_gcode": data["end_gcode"]}


def unescape_value(raw: str) -> str:
    """A PrusaSlicer string value as text: surrounding quotes removed, C-style escapes (\\n, \\t, \\", \\\\)
    resolved."""
    value = _unquote(raw)
    escapes = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", '"': '"'}
    out, i = [], 0
    while i < len(value):
        char = value[i]
        if char == "\\" and i + 1 < len(value) and value[i + 1] in escapes:
            out.append(escapes[value[i + 1]])
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


# --- small helpers -------------------------------------------------------------------------------------------


def slug(name: str) -> str:
    """A profile id from a preset name: "Creality Ender-3 V2 (0.4 mm nozzle)" -> "creality-ender-3-v2-0-4-mm-nozzle"."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "imported"


def _check_preset_name(sections: Mapping[str, Any], kind: str, name: str, path: Path) -> str:
    if _is_abstract(name):
        raise ProfileError(f"[{kind}:{name}] is an abstract building block of {path.name}, not a {kind} to import")
    if f"{kind}:{name}" in sections:
        return name
    known = [n for k, n in map(_split_header, sections) if k == kind and not _is_abstract(n)]
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    hint = f": did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise ProfileError(f"{path.name} has no {kind} preset called {name!r}{hint} ({len(known)} {kind} presets)")


def _split_header(header: str) -> tuple[str, str]:
    kind, _, name = header.partition(":")
    return kind.strip(), name.strip()


def _is_abstract(name: str) -> bool:
    return name.startswith("*") and name.endswith("*")


def _split_list(value: str) -> list[str]:
    return [_unquote(part.strip()) for part in value.split(";") if part.strip()]


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def _first(value: str | None) -> str | None:
    return None if value is None else _unquote(value.split(",")[0].strip())


def _shorten(text: str, limit: int = 60) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 3] + "..."
