"""PrusaSlicer profiles in: vendor bundles (as Debian's prusa-slicer installs them), config exports, and the
rules that keep an import honest (every key mapped, listed or refused; no G-code that silently differs)."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import pytest

from app.errors import ProfileError
from app.profiles import import_prusaslicer_ini, import_vendor_bundle, profile_to_toml, write_profile
from app.profiles import loader as profile_loader
from app.profiles.prusaslicer_import import (
    add_implicit_temperatures,
    fallback_gcode,
    list_bundle_presets,
    translate_placeholders,
)
from slicing.fdm import slice_mesh
from slicing.fdm.placeholders import fill_placeholders
from slicing.fdm.settings import FdmSettings
from slicing.mesh import load_mesh, place_on_bed

VENDOR_PROFILES = Path("/usr/share/PrusaSlicer/profiles")
PEER_INI = Path(__file__).resolve().parents[2] / "shared" / "bench" / "peer_prusa.ini"
CUBE = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "meshes" / "20mm-xyz-cube.stl"

MK3S = "Original Prusa i3 MK3S & MK3S+"
ENDER = "Creality Ender-3 V2 (0.4 mm nozzle)"
VORON = "Voron_v2_250_afterburner 0.4 nozzle"


def vendor_bundle(name: str) -> Path:
    path = VENDOR_PROFILES / name
    if not path.is_file():
        pytest.skip(f"{path} is absent: install Debian's prusa-slicer package for the vendor bundles")
    return path


def raw_section(path: Path, header: str) -> dict[str, str]:
    """One section of an .ini exactly as the file has it, read without the importer."""
    values: dict[str, str] = {}
    inside = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("["):
            inside = line.strip() == f"[{header}]"
        elif inside and "=" in line and not line.lstrip().startswith(("#", ";")):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    assert values, f"[{header}] is not in {path.name}"
    return values


def first_number(value: str) -> float:
    return float(value.split(",")[0].strip('"% '))


def write_bundle(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bundle.ini"
    path.write_text(text, encoding="utf-8")
    return path


# --- real vendor bundles -------------------------------------------------------------------------------------


def test_prusa_mk3s_takes_bed_nozzle_limits_and_temperatures_from_the_prusa_bundle():
    bundle = vendor_bundle("PrusaResearch.ini")
    report = import_vendor_bundle(bundle, printer=MK3S)
    printer, material = report.profile("printer").settings, report.profile("material").settings

    common = raw_section(bundle, "printer:*common*")  # MK3S inherits MK3, which inherits *common*
    mk3 = raw_section(bundle, "printer:Original Prusa i3 MK3")
    assert common["bed_shape"] == "0x0,250x0,250x210,0x210"
    assert (printer["bed_size_x"], printer["bed_size_y"], printer["max_print_height"]) == (250, 210, 210)
    assert printer["max_print_height"] == first_number(mk3["max_print_height"])
    assert printer["nozzle_diameter"] == first_number(common["nozzle_diameter"]) == 0.4
    for key in ("machine_max_acceleration_x", "machine_max_acceleration_e", "machine_max_feedrate_x",
                "machine_max_feedrate_z", "machine_max_jerk_x", "machine_max_jerk_e"):
        assert printer[key] == first_number(mk3[key]), key  # normal mode: the first of "normal,stealth"
    assert (printer["machine_max_acceleration_x"], printer["machine_max_feedrate_x"]) == (1000, 200)
    assert printer["retract_length"] == first_number(common["retract_length"])
    assert printer["retract_min_travel"] == first_number(common["retract_before_travel"])

    pla = raw_section(bundle, "filament:Prusament PLA")
    assert report.profile("material").name == "Prusament PLA"  # the printer's default_filament_profile
    assert material["temperature"] == first_number(pla["temperature"]) == 215
    assert material["filament_cost"] == first_number(pla["filament_cost"])
    assert material["first_layer_bed_temperature"] == 60 and material["fan_speed"] == 100


def test_prusa_start_gcode_with_conditionals_falls_back_to_the_generic_one_and_says_what_was_left():
    report = import_vendor_bundle(vendor_bundle("PrusaResearch.ini"), printer=MK3S)
    printer = report.profile("printer")
    assert printer.settings["start_gcode"] == fallback_gcode()["start_gcode"]
    assert printer.settings["end_gcode"] == fallback_gcode()["end_gcode"]
    (start_warning,) = [w for w in report.warnings if w.startswith("the start G-code")]
    assert "{if layer_height<0.075}" in start_warning and "{else}" in start_warning
    assert "M862.3 P \"[printer_model]\"" in printer.meta["prusaslicer_start_gcode"]  # kept to port by hand
    assert any("legacy Marlin" in w for w in report.warnings)
    assert printer.settings["gcode_flavor"] == "marlin2"


def test_creality_ender_3_v2_imports_its_offset_bed_and_translates_its_start_gcode():
    bundle = vendor_bundle("Creality.ini")
    report = import_vendor_bundle(bundle, printer=ENDER)
    printer, material = report.profile("printer"), report.profile("material")

    assert raw_section(bundle, "printer:*ENDER3V2*")["bed_shape"] == "5x0,215x0,215x220,5x220"
    assert (printer.settings["bed_size_x"], printer.settings["bed_size_y"]) == (210, 220)
    assert any("starts at X 5, Y 0" in w for w in report.warnings)
    assert printer.settings["max_print_height"] == 250 and printer.settings["nozzle_diameter"] == 0.4
    common = raw_section(bundle, "printer:*common*")
    for key in ("machine_max_acceleration_x", "machine_max_acceleration_extruding", "machine_max_feedrate_e",
                "machine_max_jerk_z"):
        assert printer.settings[key] == first_number(common[key]), key
    assert printer.settings["retract_length"] == first_number(raw_section(bundle, "printer:*bowden*")["retract_length"])

    start = printer.settings["start_gcode"]
    assert "M140 S{first_layer_bed_temperature} ; set final bed temp" in start
    assert "M109 S{first_layer_temperature} ; wait for nozzle temp to stabilize" in start
    assert "[" not in start and "{if" not in start and "[0]" not in start
    # The end G-code computes positions ({print_bed_max[1]*0.8}): replaced, and said so.
    assert printer.settings["end_gcode"] == fallback_gcode()["end_gcode"]
    assert "{print_bed_max[1]*0.8}" in next(w for w in report.warnings if w.startswith("the end G-code"))

    pla = raw_section(bundle, "filament:*PLA*")
    assert material.name == "Generic PLA @CREALITY"
    assert material.settings["first_layer_temperature"] == first_number(pla["first_layer_temperature"]) == 210
    assert material.settings["temperature"] == first_number(pla["temperature"]) == 205
    assert report.profile("print").settings["layer_height"] == 0.16


def test_voron_start_gcode_gets_the_temperatures_prusaslicer_adds_around_a_macro():
    report = import_vendor_bundle(vendor_bundle("Voron.ini"), printer=VORON, print_settings="0.2mm 0.4nozzle V2")
    printer = report.profile("printer").settings
    assert (printer["bed_size_x"], printer["bed_size_y"], printer["max_print_height"]) == (250, 250, 250)
    assert printer["retract_length"] == 0.75 and printer["travel_speed"] == 300
    lines = [line.split(";")[0].strip() for line in printer["start_gcode"].splitlines()]
    code = [line for line in lines if line]
    assert code == [
        "M190 S{first_layer_bed_temperature}",
        "M104 S{first_layer_temperature}",
        "print_start EXTRUDER={first_layer_temperature} BED={first_layer_bed_temperature}",
        "M109 S{first_layer_temperature}",
    ]
    assert printer["end_gcode"].startswith("print_end")


def test_a_default_preset_missing_from_the_bundle_is_reported():
    report = import_vendor_bundle(vendor_bundle("Voron.ini"), printer=VORON)
    assert any("'0.15mm 0.4nozzle' is not in Voron.ini" in w for w in report.warnings)
    assert report.missing["printer"] == ("travel_speed",)  # a print setting in PrusaSlicer


def test_an_imported_vendor_printer_writes_loads_and_slices(tmp_path, monkeypatch):
    report = import_vendor_bundle(vendor_bundle("Creality.ini"), printer=ENDER)
    resources = tmp_path / "resources"
    (resources / "settings").mkdir(parents=True)
    (resources / "settings" / "fdm.toml").write_bytes(
        (profile_loader.resources_dir() / "settings" / "fdm.toml").read_bytes())
    for profile in report.profiles[:2]:
        write_profile(profile, resources / "profiles" / profile_loader.PROFILE_FOLDERS[profile.kind])
    monkeypatch.setattr(profile_loader, "resources_dir", lambda: resources)

    setup = profile_loader.resolve_fdm_setup(report.profile("printer").id, report.profile("material").id,
                                             overrides=report.profile("print").settings)
    assert setup.settings["layer_height"] == 0.16 and setup.settings["bed_size_x"] == 210
    settings = FdmSettings.from_mapping(setup.settings)
    program = slice_mesh(place_on_bed(load_mesh(CUBE), settings.bed_size_x, settings.bed_size_y), settings)
    assert "M109 S210 ; wait for nozzle temp to stabilize" in program.gcode


def test_unknown_printer_names_the_close_ones():
    with pytest.raises(ProfileError, match="did you mean 'Creality Ender-3 V2 \\(0.4 mm nozzle\\)'"):
        import_vendor_bundle(vendor_bundle("Creality.ini"), printer="Creality Ender-3 V2 (0.4mm nozzle)")
    assert ENDER in list_bundle_presets(vendor_bundle("Creality.ini"))
    assert not any(name.startswith("*") for name in list_bundle_presets(vendor_bundle("Creality.ini")))


# --- a flat config export ------------------------------------------------------------------------------------


def test_peer_config_imports_what_it_gives_and_lists_the_rest():
    if not PEER_INI.is_file():
        pytest.skip(f"{PEER_INI} is absent")
    report = import_prusaslicer_ini(PEER_INI)
    printer, material, print_ = (report.profile(k).settings for k in ("printer", "material", "print"))
    assert (printer["bed_size_x"], printer["bed_size_y"], printer["max_print_height"]) == (350, 350, 250)
    assert printer["nozzle_diameter"] == 0.4 and printer["gcode_flavor"] == "marlin2"
    assert (material["first_layer_temperature"], material["temperature"]) == (215, 210)
    assert (material["first_layer_bed_temperature"], material["bed_temperature"]) == (60, 60)
    assert material["filament_diameter"] == 1.75
    assert report.profile("material").meta["filament_type"] == "PLA"
    assert print_ == {"layer_height": 0.2, "first_layer_height": 0.2, "perimeters": 2, "top_solid_layers": 4,
                      "bottom_solid_layers": 4, "infill_density": 15.0, "skirt_loops": 1, "line_width": 0.45}
    assert any("1.125 x nozzle diameter" in w for w in report.warnings)  # no widths given: PrusaSlicer's auto
    assert set(report.ignored) == {"fill_pattern", "brim_width", "support_material", "threads"}
    assert "start_gcode" in report.missing["printer"] and "filament_density" in report.missing["material"]


def test_a_config_bundle_is_not_taken_for_a_flat_config(tmp_path):
    path = write_bundle(tmp_path, "[printer:P]\nnozzle_diameter = 0.4\n")
    with pytest.raises(ProfileError, match="is a config bundle"):
        import_prusaslicer_ini(path)


# --- inheritance, percentages, lists -------------------------------------------------------------------------


SYNTHETIC_BUNDLE = """\
# a bundle as PrusaSlicer's vendors write them
[vendor]
name = Test
config_version = 0.0.1

[printer:*common*]
bed_shape = 0x0,200x0,200x180,0x180
max_print_height = 150
nozzle_diameter = 0.4
retract_length = 2
gcode_flavor = marlin2
start_gcode = M104 S[first_layer_temperature]\\nG28 ; home\\nM109 S{first_layer_temperature[0]}
end_gcode = M104 S0
default_filament_profile = "Child PLA"
default_print_profile = Child print

[printer:*fast*]
retract_length = 1
travel_speed = 200

[printer:*slow*]
travel_speed = 100

[printer:Child]
inherits = *common*; *fast*; *slow*
nozzle_diameter = 0.6,0.4

[filament:*PLA*]
temperature = 205,190
first_layer_temperature = 215
bed_temperature = 60
first_layer_bed_temperature = 65
max_fan_speed = 100
filament_retract_length = 0.5

[filament:Child PLA]
inherits = *PLA*
temperature = 210
filament_retract_length = nil

[print:*base*]
layer_height = 0.3
perimeter_speed = 60
infill_speed = 100
first_layer_speed = 50%

[print:Child print]
inherits = *base*
external_perimeter_speed = 50%
solid_infill_speed = 80%
first_layer_height = 75%
fill_density = 20%
perimeter_extrusion_width = 0
extrusion_width = 150%
"""


def test_inherits_applies_parents_left_to_right_then_the_preset_itself(tmp_path):
    report = import_vendor_bundle(write_bundle(tmp_path, SYNTHETIC_BUNDLE), printer="Child")
    printer, material = report.profile("printer").settings, report.profile("material").settings
    assert printer["travel_speed"] == 100  # *slow* comes after *fast*
    assert printer["retract_length"] == 1  # *fast* overrides *common*
    assert printer["nozzle_diameter"] == 0.6  # the first extruder of "0.6,0.4"
    assert (printer["bed_size_x"], printer["bed_size_y"], printer["max_print_height"]) == (200, 180, 150)
    assert material["temperature"] == 210 and material["first_layer_bed_temperature"] == 65
    # nil in the child undoes the parent's filament retraction override: nothing to warn about.
    assert not any("filament_retract_length" in w for w in report.warnings)
    assert report.profile("printer").meta["source"].endswith("[printer:Child]")


def test_percentages_resolve_against_the_settings_they_are_shares_of(tmp_path):
    report = import_vendor_bundle(write_bundle(tmp_path, SYNTHETIC_BUNDLE), printer="Child")
    print_ = report.profile("print").settings
    assert print_["external_perimeter_speed"] == 30  # 50% of perimeter_speed 60
    assert print_["solid_infill_speed"] == 80  # 80% of infill_speed 100
    assert print_["first_layer_height"] == pytest.approx(0.225)  # 75% of layer_height 0.3
    assert print_["infill_density"] == 20
    assert print_["line_width"] == pytest.approx(0.9)  # perimeter width 0 -> extrusion_width 150% of nozzle 0.6
    assert print_["first_layer_speed"] == 15  # 50% of the slowest speed, 30
    assert any("first_layer_speed = 50%" in w for w in report.warnings)


def test_legacy_and_indexed_placeholders_become_localfab_ones(tmp_path):
    report = import_vendor_bundle(write_bundle(tmp_path, SYNTHETIC_BUNDLE), printer="Child")
    start = report.profile("printer").settings["start_gcode"]
    assert start == ("M190 S{first_layer_bed_temperature} ; wait for the bed (PrusaSlicer adds this)\n"
                     "M104 S{first_layer_temperature}\nG28 ; home\nM109 S{first_layer_temperature}\n")
    assert not any("G-code" in w for w in report.warnings)


def test_a_filament_that_overrides_the_printers_retraction_is_reported(tmp_path):
    text = SYNTHETIC_BUNDLE.replace("filament_retract_length = nil", "filament_retract_length = 0")
    report = import_vendor_bundle(write_bundle(tmp_path, text), filament="Child PLA")
    assert [p.kind for p in report.profiles] == ["material"]
    assert any("filament_retract_length = 0" in w for w in report.warnings)


def test_an_inheritance_loop_or_an_abstract_preset_is_refused(tmp_path):
    looped = SYNTHETIC_BUNDLE.replace("[printer:*slow*]\n", "[printer:*slow*]\ninherits = Child\n")
    with pytest.raises(ProfileError, match="inherits from itself: Child -> \\*slow\\* -> Child"):
        import_vendor_bundle(write_bundle(tmp_path, looped), printer="Child")
    with pytest.raises(ProfileError, match="abstract building block"):
        import_vendor_bundle(write_bundle(tmp_path, SYNTHETIC_BUNDLE), printer="*common*")


def test_shared_ancestors_are_resolved_once(tmp_path):
    # Each level inherits the next one twice over: 2**30 walks without memoising, one each with.
    levels = "".join(f"[printer:*l{i}*]\ninherits = *l{i + 1}*; *l{i + 1}*\nretract_length = {i % 5}\n\n"
                     for i in range(30))
    text = f"{levels}[printer:*l30*]\nnozzle_diameter = 0.4\n\n[printer:Deep]\ninherits = *l0*\n"
    report = import_vendor_bundle(write_bundle(tmp_path, text), printer="Deep")
    assert report.profile("printer").settings == {"nozzle_diameter": 0.4, "retract_length": 0.0}


def test_an_empty_start_gcode_still_heats_as_prusaslicer_does(tmp_path):
    report = import_prusaslicer_ini(flat_config(tmp_path, start_gcode="", end_gcode='""'))
    printer = report.profile("printer").settings
    assert [line.split(" ;")[0] for line in printer["start_gcode"].splitlines()] == [
        "M190 S{first_layer_bed_temperature}", "M104 S{first_layer_temperature}", "M109 S{first_layer_temperature}"]
    assert printer["end_gcode"] == ""


# --- refusals ------------------------------------------------------------------------------------------------


def flat_config(tmp_path: Path, **changes: str) -> Path:
    values = {"bed_shape": "0x0,220x0,220x220,0x220", "nozzle_diameter": "0.4", "temperature": "210",
              "fill_density": "15%", **changes}
    path = tmp_path / "config.ini"
    path.write_text("".join(f"{k} = {v}\n" for k, v in values.items()), encoding="utf-8")
    return path


def test_feature_widths_take_mm_or_a_share_of_the_nozzle_and_fall_back_to_extrusion_width(tmp_path):
    report = import_prusaslicer_ini(flat_config(
        tmp_path, extrusion_width="0.5", perimeter_extrusion_width="0.45", external_perimeter_extrusion_width="110%",
        infill_extrusion_width="0", solid_infill_extrusion_width="0.42", top_infill_extrusion_width="100%",
        first_layer_extrusion_width="0", support_material_extrusion_width="0.35"))
    print_ = report.profile("print").settings
    assert print_["line_width"] == pytest.approx(0.45)
    assert print_["external_perimeter_extrusion_width"] == pytest.approx(0.44)  # 110% of nozzle 0.4
    assert print_["perimeter_extrusion_width"] == pytest.approx(0.45)
    assert print_["infill_extrusion_width"] == pytest.approx(0.5)  # 0: extrusion_width
    assert print_["solid_infill_extrusion_width"] == pytest.approx(0.42)
    assert print_["top_infill_extrusion_width"] == pytest.approx(0.4)
    assert print_["support_material_extrusion_width"] == pytest.approx(0.35)
    assert "first_layer_extrusion_width" not in print_  # 0: each feature's own width, localfab's default too
    assert not {k for k in report.ignored if k.endswith("extrusion_width")}


def test_travel_support_interface_and_machine_limit_settings_carry_over(tmp_path):
    report = import_prusaslicer_ini(flat_config(
        tmp_path, external_perimeters_first="1", avoid_crossing_perimeters="1",
        avoid_crossing_perimeters_max_detour="20", travel_speed_z="10", support_material_interface_layers="2",
        support_material_interface_spacing="0.2"))
    settings = {**report.profile("print").settings, **report.profile("printer").settings}
    assert settings["external_perimeters_first"] is True and settings["avoid_crossing_perimeters"] is True
    assert settings["avoid_crossing_perimeters_max_detour"] == 20 and settings["travel_speed_z"] == 10
    assert settings["support_material_interface_layers"] == 2
    assert settings["support_material_interface_spacing"] == pytest.approx(0.2)
    limits = import_prusaslicer_ini(flat_config(tmp_path, machine_limits_usage="emit_to_gcode"))
    assert limits.profile("printer").settings["emit_machine_limits"] is True
    estimate_only = import_prusaslicer_ini(flat_config(tmp_path, machine_limits_usage="time_estimate_only"))
    assert estimate_only.profile("printer").settings["emit_machine_limits"] is False
    share = import_prusaslicer_ini(flat_config(tmp_path, avoid_crossing_perimeters_max_detour="50%"))
    assert any("avoid_crossing_perimeters_max_detour = 50%" in w for w in share.warnings)


def test_an_import_names_what_to_import(tmp_path):
    with pytest.raises(ProfileError, match="name a printer or a filament"):
        import_vendor_bundle(write_bundle(tmp_path, SYNTHETIC_BUNDLE))


def test_a_value_outside_the_schema_is_refused_naming_key_and_value(tmp_path):
    with pytest.raises(ProfileError, match="fill_density = 150% cannot be imported: infill_density = 150.0 % is "
                                           "outside the allowed range 0.0 to 100.0 %"):
        import_prusaslicer_ini(flat_config(tmp_path, fill_density="150%"))
    with pytest.raises(ProfileError, match="temperature = 500 cannot be imported: temperature = 500.0 degC is "
                                           "outside the allowed range"):
        import_prusaslicer_ini(flat_config(tmp_path, temperature="500"))
    with pytest.raises(ProfileError, match="perimeters = 2.5 cannot be imported: perimeters: 2.5 is not a whole"):
        import_prusaslicer_ini(flat_config(tmp_path, perimeters="2.5"))


def test_beds_and_firmware_localfab_cannot_drive_are_refused(tmp_path):
    round_bed = ",".join(f"{x}x{y}" for x, y in ((100, 0), (0, 100), (-100, 0), (0, -100), (70, 70)))
    with pytest.raises(ProfileError, match="is not a rectangle"):
        import_prusaslicer_ini(flat_config(tmp_path, bed_shape=round_bed))
    with pytest.raises(ProfileError, match="gcode_flavor = reprapfirmware cannot be imported"):
        import_prusaslicer_ini(flat_config(tmp_path, gcode_flavor="reprapfirmware"))
    with pytest.raises(ProfileError, match="a percentage is not allowed"):
        import_prusaslicer_ini(flat_config(tmp_path, temperature="50%"))


# --- G-code translation --------------------------------------------------------------------------------------


def test_placeholders_are_translated_once_and_exactly():
    text = ("M862.3 P \"[printer_model]\"\nM862.1 P[nozzle_diameter]\nM104 S[first_layer_temperature[initial_tool]]\n"
            "G1 X5 Y{print_bed_max[1]} ; [not a placeholder ]\nG1 E-[retract_length] ; min travel "
            "[retract_before_travel]\nM190 S{first_layer_bed_temperature[0]}")
    out, untranslated = translate_placeholders(text, constants={"printer_model": "MK3S"})
    assert untranslated == []
    assert out == ("M862.3 P \"MK3S\"\nM862.1 P{nozzle_diameter}\nM104 S{first_layer_temperature}\n"
                   "G1 X5 Y{bed_size_y} ; [not a placeholder ]\nG1 E-{retract_length} ; min travel "
                   "{retract_min_travel}\nM190 S{first_layer_bed_temperature}")


def test_what_has_no_exact_translation_is_named():
    text = "M104 S{temperature[1]}\n{if layer_z > 2}M106{endif}\nM117 [filament_settings_id]\nG1 Z{z_offset+1}\n{"
    _, untranslated = translate_placeholders(text)
    assert untranslated == ["{temperature[1]}", "{if layer_z > 2}", "{endif}", "[filament_settings_id]",
                            "{z_offset+1}", "unbalanced { }"]
    # print_bed_max is the bed's far corner only when the bed starts at 0, 0.
    assert translate_placeholders("{print_bed_max[0]}", origin_is_zero=False)[1] == ["{print_bed_max[0]}"]


def test_temperatures_are_added_only_where_prusaslicer_adds_them():
    assert add_implicit_temperatures("M140 S60\nM104 S200\nG28\n") == "M140 S60\nM104 S200\nG28\n"
    with_comments = add_implicit_temperatures("; M190 S0\nG28")
    assert with_comments.splitlines()[0].startswith("M190 S{first_layer_bed_temperature}")
    assert with_comments.splitlines()[-1].startswith("M109 S{first_layer_temperature}")


def test_the_fallback_gcode_uses_only_placeholders_the_slicer_fills():
    values = dict.fromkeys([*(f.name for f in dataclasses.fields(FdmSettings)), "max_layer_z"], 1.0)
    for name, text in fallback_gcode().items():
        assert "{" not in fill_placeholders(text, values, template_name=name)


# --- writing profiles ----------------------------------------------------------------------------------------


def test_written_profiles_read_back_the_same(tmp_path):
    report = import_vendor_bundle(write_bundle(tmp_path, SYNTHETIC_BUNDLE), printer="Child")
    printer = report.profile("printer")
    data = tomllib.loads(profile_to_toml(printer, comments=["imported for a test"]))
    assert data["settings"] == printer.settings
    assert data["profile"]["id"] == "child" and data["profile"]["kind"] == "printer"
    path = write_profile(printer, tmp_path / "printers")
    assert path.name == "child.toml"
    with pytest.raises(ProfileError, match="exists"):
        write_profile(printer, tmp_path / "printers")
    print_profile = report.profile("print")
    with pytest.raises(ProfileError, match="'layer_height' is not a printer setting"):
        profile_to_toml(type(print_profile)(id="x", name="x", kind="printer", settings=print_profile.settings))


def test_text_with_quotes_backslashes_and_control_characters_survives_toml(tmp_path):
    report = import_vendor_bundle(write_bundle(tmp_path, SYNTHETIC_BUNDLE), printer="Child")
    printer = report.profile("printer")
    tricky = 'M117 "done"\\\\ """ \t\x01\nM118 end"'
    edited = type(printer)(id=printer.id, name='Child "v2"', kind=printer.kind,
                           settings={**printer.settings, "end_gcode": tricky}, meta=printer.meta)
    data = tomllib.loads(profile_to_toml(edited))
    assert data["settings"]["end_gcode"] == tricky and data["profile"]["name"] == 'Child "v2"'
