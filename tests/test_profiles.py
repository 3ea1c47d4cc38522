import dataclasses

import pytest

from app.errors import ProfileError
from app.profiles import check_settings, list_profiles, resolve_fdm_setup
from app.profiles.loader import fdm_schema
from slicing.fdm.settings import FdmSettings


def test_the_slicer_reads_exactly_the_settings_the_schema_declares_for_it():
    schema = fdm_schema()
    assert {f.name for f in dataclasses.fields(FdmSettings)} == {n for n, s in schema.items() if s.read_by == "slicer"}
    assert {n for n, s in schema.items() if s.read_by == "checks"} >= {"bridge_max_length", "tip_max_height_ratio"}


def test_generic_printer_resolves_with_its_default_material():
    setup = resolve_fdm_setup("generic-220")
    assert setup.printer.name.startswith("Generic 220")
    assert setup.material.id == "generic-pla"
    settings = setup.settings
    assert (settings["bed_size_x"], settings["bed_size_y"], settings["max_print_height"]) == (220, 220, 250)
    assert settings["nozzle_diameter"] == 0.4 and settings["filament_diameter"] == 1.75
    FdmSettings.from_mapping(settings)


def test_every_profile_file_reads_and_is_complete():
    for printer in list_profiles("printer"):
        for material in list_profiles("material"):
            resolve_fdm_setup(printer.id, material.id)


def test_overrides_are_typed_and_checked_against_the_schema():
    assert resolve_fdm_setup(overrides={"infill_density": "35"}).settings["infill_density"] == 35.0
    with pytest.raises(ProfileError, match="infill_density = 150.0 % is outside the allowed range 0.0 to 100.0"):
        resolve_fdm_setup(overrides={"infill_density": "150"})
    with pytest.raises(ProfileError, match="did you mean infill_density"):
        resolve_fdm_setup(overrides={"infill_densty": "20"})
    with pytest.raises(ProfileError, match="perimeters: '2.5' is not a whole number"):
        resolve_fdm_setup(overrides={"perimeters": "2.5"})


def test_settings_that_cannot_work_together_are_refused():
    with pytest.raises(ProfileError, match="layer_height = 0.5 mm is more than 80% of the 0.4 mm nozzle"):
        resolve_fdm_setup(overrides={"layer_height": "0.5"})


def test_unknown_profile_lists_the_known_ones():
    with pytest.raises(ProfileError, match=r"did you mean prusa-mk4 or prusa-mk3s\? known: .*generic-220"):
        resolve_fdm_setup("prusa-mk9")


def test_recorded_settings_are_checked_whole():
    settings = dict(resolve_fdm_setup().settings)
    assert check_settings(settings) == settings
    del settings["line_width"]
    with pytest.raises(ProfileError, match="leave line_width unset"):
        check_settings(settings)
