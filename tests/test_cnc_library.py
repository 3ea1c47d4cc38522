"""The CNC tool, material, machine and laser-settings library, and feeds from chip load."""

from __future__ import annotations

import pytest

from app.errors import ProfileError
from app.profiles.cam import list_cam, load_cam, load_laser_settings
from slicing.cnc.tooling import cutting_data
from slicing.errors import SlicingError


def test_library_has_flat_ball_and_v_bits_and_the_five_materials():
    kinds = {tool.kind for tool in list_cam("tool")}
    assert kinds == {"flat", "ball", "vbit"}
    assert {m.id for m in list_cam("material")} >= {"plywood", "mdf", "hardwood", "acrylic", "aluminium"}
    assert any(not tool.centre_cutting for tool in list_cam("tool"))


def test_feed_is_rpm_times_flutes_times_chip_load():
    tool = load_cam("tool", "flat-6-2f")
    plywood = load_cam("material", "plywood")
    router = load_cam("machine", "generic-grbl-router")
    data = cutting_data(tool, plywood, router)
    assert data.feed_mm_min == pytest.approx(16000 * 2 * 0.10)
    assert data.plunge_mm_min == pytest.approx(3200 * 0.3)
    assert data.step_down_mm == pytest.approx(3.0)


def test_chip_load_is_interpolated_between_tool_diameters_and_feed_capped_by_the_machine():
    plywood = load_cam("material", "plywood")
    assert plywood.chip_load_for(9.0) == pytest.approx(0.15)
    assert plywood.chip_load_for(1.0) == pytest.approx(0.05)  # clamped below the table
    tool = load_cam("tool", "flat-12-2f-nc")
    router = load_cam("machine", "generic-grbl-router")
    assert cutting_data(tool, plywood, router).feed_mm_min == pytest.approx(5000.0)  # $110 caps 6400


def test_laser_settings_pick_the_thinnest_row_at_least_as_thick_as_the_sheet():
    settings = load_laser_settings("diode-10w")
    assert settings.lookup("plywood", "cut", 3.5).thickness_mm == 4.0
    assert settings.lookup("plywood", "cut", 3.0).kerf_mm == pytest.approx(0.15)
    assert settings.lookup("plywood", "cut", 5.0).thickness_mm == 6.0
    with pytest.raises(SlicingError, match="no cut setting for 8 mm plywood"):
        settings.lookup("plywood", "cut", 8.0)


def test_unknown_ids_name_the_known_ones():
    with pytest.raises(ProfileError, match="flat-6-2f"):
        load_cam("tool", "no-such-bit")
