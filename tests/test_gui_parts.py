"""The GUI's small pure pieces, without a window: which field a problem belongs to, print times in words,
the toolpath preview arrays, and the lists the GUI writes out to stay light at start-up."""

from __future__ import annotations

import numpy as np
import pytest

from tests.gui_helpers import skip_without_display

skip_without_display()


def test_problems_are_sorted_by_the_fields_they_concern():
    from app.gui.parameter_problems import problems_by_field
    from parametric_designs.templates import find_template

    schema = find_template("box").schema
    assert problems_by_field(schema, schema.defaults()) == {}
    out_of_range = problems_by_field(schema, {**schema.defaults(), "width": 5.0})
    assert list(out_of_range) == ["width"] and "below the minimum" in out_of_range["width"][0]
    constraint = problems_by_field(schema, {**schema.defaults(), "corner_radius": 35.0})
    assert set(constraint) == {"width", "depth", "corner_radius"}


def test_print_times_read_as_people_say_them():
    from app.gui.fabricate_panel import duration

    assert duration(40) == "40 s"
    assert duration(7 * 60 + 10) == "7 min"
    assert duration(3 * 3600 + 39 * 60) == "3 h 39 min"
    assert duration(3600 + 5 * 60) == "1 h 05 min"


def test_every_slicer_feature_has_a_colour_and_the_severities_match_the_checks():
    from app.checks.report import SEVERITIES
    from app.gui.check_list import SEVERITIES as LISTED
    from app.gui.feature_colours import FEATURE_COLOURS
    from slicing.fdm.features import FEATURES

    assert set(FEATURE_COLOURS) == set(FEATURES)
    assert LISTED == SEVERITIES


def test_the_toolpath_preview_draws_layers_from_the_bottom_up():
    from app.gui.sliced_part import toolpath_preview
    from slicing.fdm.program import FdmProgram, LayerToolpaths

    def layer(z: float, count: int, feature: int, travels: int) -> LayerToolpaths:
        segments = np.arange(count * 4, dtype=np.float32).reshape(count, 2, 2)
        return LayerToolpaths(z, 0.2, segments, np.full(count, feature, np.uint8), np.full(count, 0.4, np.float32),
                              np.full((travels, 2, 2), z, dtype=np.float32))

    program = FdmProgram(gcode="", layer_z=(0.2, 0.4), estimate=None, warnings=(),
                         layers=(layer(0.2, 3, 0, 2), layer(0.4, 2, 6, 1)))
    preview = toolpath_preview(program)
    assert preview.layer_count == 2 and list(preview.layer_ends) == [3, 5]
    assert preview.features_present() == (program.features[0], program.features[6], "Travel")
    travel = len(program.features)  # travels come after the features in `names`
    assert preview.names[travel] == "Travel"
    first = preview.lines_up_to(0)
    assert first.n_cells == 5 and np.allclose(first.points[:, 2], 0.2)
    assert list(first.cell_data["feature"]) == [0, 0, 0, travel, travel]
    both = preview.lines_up_to(1)  # the travels of the top layer only
    assert both.n_cells == 6 and list(both.cell_data["feature"]) == [0, 0, 0, 6, 6, travel]
    assert np.allclose(both.points[-2:], 0.4)


@pytest.mark.parametrize("module", ["app.gui.main_window"])
def test_the_window_module_does_not_load_the_heavy_libraries(module):
    import subprocess
    import sys

    code = (f"import sys, {module}; heavy = [m for m in ('cadquery', 'trimesh', 'shapely', 'slicing.fdm') "
            "if m in sys.modules]; print(','.join(heavy))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "", f"importing {module} loads {loaded}"


def test_a_finding_is_painted_framed_and_looked_at_from_below_when_it_faces_the_bed():
    import trimesh

    from app.checks.report import Finding
    from app.gui.finding_view import FINDING_MARGIN_MM, SELECTED_MARK, finding_view

    cube = trimesh.creation.box((10, 10, 10))
    bottom = [int(i) for i in np.flatnonzero(cube.face_normals[:, 2] < -0.9)]
    overhang = Finding(rule="fdm.overhang", severity="warning", message="hangs", faces=(*bottom, 999))
    spot = Finding(rule="fdm.small_feature", severity="warning", message="small", points=((1.0, 2.0, 3.0),))

    view = finding_view(cube, [overhang, spot], overhang, overlay=False)
    assert list(np.flatnonzero(view.marks)) == sorted(bottom), "a facet the mesh lacks is left out"
    assert set(view.marks[bottom]) == {SELECTED_MARK} and len(view.points) == 0
    assert view.from_below
    np.testing.assert_allclose(view.frame, [-5 - FINDING_MARGIN_MM, 5 + FINDING_MARGIN_MM,
                                            -5 - FINDING_MARGIN_MM, 5 + FINDING_MARGIN_MM,
                                            -5 - FINDING_MARGIN_MM, -5 + FINDING_MARGIN_MM])

    view = finding_view(cube, [overhang, spot], spot, overlay=True)
    assert set(view.marks[bottom]) == {2} and not view.from_below, "the overlay paints overhangs"
    np.testing.assert_allclose(view.points, [[1.0, 2.0, 3.0]])

    nothing = finding_view(cube, [overhang], None, overlay=False)
    assert nothing.frame is None and not nothing.marks.any()
