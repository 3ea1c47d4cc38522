"""The printer and material profiles shipped in resources/profiles: every pair slices, and the numbers are the
vendors' own (as the importer reads them from PrusaSlicer's vendor bundles)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from app.profiles import import_vendor_bundle, list_profiles, load_profile, resolve_fdm_setup
from slicing.fdm import slice_mesh
from slicing.fdm.settings import FdmSettings
from slicing.gcode.parse import parse_gcode
from slicing.mesh import load_mesh, place_on_bed

CUBE = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "meshes" / "20mm-xyz-cube.stl"
VENDOR_PROFILES = Path("/usr/share/PrusaSlicer/profiles")

PRINTERS = [p.id for p in list_profiles("printer")]
MATERIALS = [m.id for m in list_profiles("material")]

# Library profile -> (vendor bundle, what to import from it): the profiles made with the importer.
IMPORTED = {
    ("printer", "prusa-mk3s"): ("PrusaResearch.ini", {"printer": "Original Prusa i3 MK3S & MK3S+"}),
    ("printer", "creality-ender-3-v2"): ("Creality.ini", {"printer": "Creality Ender-3 V2 (0.4 mm nozzle)"}),
    ("printer", "voron-2.4-250"): ("Voron.ini", {"printer": "Voron_v2_250_afterburner 0.4 nozzle",
                                                 "print_settings": "0.2mm 0.4nozzle V2"}),
    ("material", "prusament-pla"): ("PrusaResearch.ini", {"filament": "Prusament PLA"}),
    ("material", "prusament-petg"): ("PrusaResearch.ini", {"filament": "Prusament PETG"}),
    ("material", "generic-abs"): ("PrusaResearch.ini", {"filament": "Generic ABS"}),
    ("material", "generic-flex"): ("PrusaResearch.ini", {"filament": "Generic FLEX"}),
}
_NOZZLE_TEMPERATURE = re.compile(r"^M10[49]\b[^;]*?\b[SR](\d+(?:\.\d+)?)")


@pytest.fixture(scope="module")
def cube():
    if not CUBE.is_file():
        pytest.skip(f"{CUBE} is absent")
    return load_mesh(CUBE)


def test_the_library_has_the_real_printers_and_the_common_filaments():
    assert {"prusa-mk4", "prusa-mk3s", "creality-ender-3-v2", "voron-2.4-250"} <= set(PRINTERS)
    types = {m.meta.get("filament_type") for m in list_profiles("material")}
    assert {"PLA", "PETG", "ABS", "FLEX"} <= types
    sizes = {p.id: (p.settings["bed_size_x"], p.settings["bed_size_y"], p.settings["max_print_height"])
             for p in list_profiles("printer")}
    assert sizes["prusa-mk4"] == (250, 210, 220) and sizes["prusa-mk3s"] == (250, 210, 210)
    assert sizes["voron-2.4-250"][:2] == (250, 250)


def test_every_printer_names_a_default_material_that_exists_and_says_where_its_numbers_come_from():
    for printer in list_profiles("printer"):
        load_profile("material", printer.meta["default_material"])
    for profile in [*list_profiles("printer"), *list_profiles("material")]:
        if profile.id in ("generic-220", "generic-pla"):
            continue  # localfab's own generic profiles
        assert "PrusaSlicer" in profile.meta.get("source", ""), profile.id


@pytest.mark.parametrize("printer_id", PRINTERS)
@pytest.mark.parametrize("material_id", MATERIALS)
def test_every_printer_and_material_pair_slices_a_cube_for_that_printer(printer_id, material_id, cube):
    setup = resolve_fdm_setup(printer_id, material_id)
    settings = FdmSettings.from_mapping(setup.settings)
    program = slice_mesh(place_on_bed(cube, settings.bed_size_x, settings.bed_size_y), settings)

    start, _, _ = program.gcode.partition(";LAYER_CHANGE")
    nozzle = [float(m.group(1)) for line in start.splitlines() if (m := _NOZZLE_TEMPERATURE.match(line))]
    assert nozzle and nozzle[-1] == round(settings.first_layer_temperature), "nozzle temperature at the first layer"
    assert re.search(rf"^M1[49]0 S{round(settings.first_layer_bed_temperature)}\b", start, re.MULTILINE)

    moves = parse_gcode(program.gcode)
    printed = (moves.e > 0) & (moves.layer >= 0)
    points = np.vstack([moves.start[printed], moves.end[printed]])[:, :2]
    low, high = points.min(axis=0), points.max(axis=0)
    bed = np.array([settings.bed_size_x, settings.bed_size_y])
    assert np.all(low >= 0.0) and np.all(high <= bed), "every extrusion lies on the bed"
    np.testing.assert_allclose((low + high) / 2.0, bed / 2.0, atol=0.05)  # the part is centred on this bed


@pytest.mark.parametrize(("kind", "profile_id"), list(IMPORTED))
def test_library_numbers_are_the_vendor_bundles_numbers(kind, profile_id):
    bundle_name, preset = IMPORTED[(kind, profile_id)]
    bundle = VENDOR_PROFILES / bundle_name
    if not bundle.is_file():
        pytest.skip(f"{bundle} is absent: install Debian's prusa-slicer package for the vendor bundles")
    imported = import_vendor_bundle(bundle, **preset).profile(kind).settings
    library = load_profile(kind, profile_id).settings
    numbers = {k: v for k, v in imported.items() if not isinstance(v, str)}
    assert numbers == {k: library[k] for k in numbers}
    if imported.get("start_gcode") and not imported["start_gcode"].startswith("; localfab's generic"):
        assert library["start_gcode"].strip() == imported["start_gcode"].strip()  # translated, not ported


PRINTS = [p.id for p in list_profiles("print")]


def test_the_library_has_the_print_settings_profiles_and_quality_is_the_schema_defaults():
    assert {"0.20mm-quality", "0.15mm-detail", "0.30mm-draft", "0.20mm-strong"} <= set(PRINTS)
    quality, defaults = resolve_fdm_setup(print_profile="0.20mm-quality"), resolve_fdm_setup()
    assert (quality.settings, quality.print_settings) == (defaults.settings, defaults.print_settings)
    assert quality.print_profile.id == "0.20mm-quality" and defaults.print_profile is None
    strong, quality = load_profile("print", "0.20mm-strong").settings, load_profile("print", "0.20mm-quality").settings
    assert strong["perimeters"] > quality["perimeters"] and strong["infill_density"] > quality["infill_density"]


def test_every_printer_material_and_print_combination_resolves_with_overrides_on_top():
    for printer_id in PRINTERS:
        for material_id in MATERIALS:
            for print_id in PRINTS:
                setup = resolve_fdm_setup(printer_id, material_id, {"perimeters": "3"}, print_id)
                FdmSettings.from_mapping(setup.settings)
                expected = {**load_profile("print", print_id).settings, "perimeters": 3}
                assert {k: setup.print_settings[k] for k in expected} == expected
                assert {k: setup.settings[k] for k in setup.print_settings} == setup.print_settings


@pytest.mark.parametrize("print_id", PRINTS)
def test_every_print_profile_slices_a_cube_in_its_layer_height(print_id, cube):
    setup = resolve_fdm_setup(print_profile=print_id)
    settings = FdmSettings.from_mapping(setup.settings)
    program = slice_mesh(place_on_bed(cube, settings.bed_size_x, settings.bed_size_y), settings)
    expected = round((20.0 - settings.first_layer_height) / settings.layer_height) + 1
    assert abs(len(program.layer_z) - expected) <= 1


def test_profiles_list_shows_the_print_profiles(capsys):
    from app.cli import main

    assert main(["profiles", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["id"] for r in rows if r["kind"] == "print"} == set(PRINTS)
    assert main(["profiles", "show", "print", "0.20mm-strong", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["settings"]["perimeters"] == 4
