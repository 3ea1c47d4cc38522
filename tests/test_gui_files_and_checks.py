"""Files in and out of the real window: a mesh dropped on it is placed, checked and its overhang shown where it
is; the part and its program are exported; opened files are remembered.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.gui_helpers import SLICE_TIMEOUT_MS, open_window, screenshot, skip_without_display, wait_for_part

skip_without_display()

pytestmark = pytest.mark.gui

SPHERE_RADIUS_MM = 15.0


@pytest.fixture
def sphere_stl(tmp_path):
    """A ball: its lower half overhangs more and more towards the bed, so the check locates an overhang."""
    import trimesh

    path = tmp_path / "ball.stl"
    # Fine enough for more overhanging facets than a report lists.
    trimesh.creation.icosphere(subdivisions=4, radius=SPHERE_RADIUS_MM).export(path)
    return path


def drop(window, path) -> None:
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(400, 300), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)


def wait_for_file(qtbot, window, name: str) -> None:
    qtbot.waitUntil(lambda: window.shown_part is not None and window.shown_part.name == name, timeout=30_000)


def test_a_dropped_mesh_is_checked_and_choosing_its_overhang_paints_and_frames_it(qtbot, sphere_stl):
    window = open_window(qtbot)
    wait_for_part(qtbot, window)

    drop(window, sphere_stl)
    wait_for_file(qtbot, window, "ball.stl")
    size = np.asarray(window.bed_view.part_actor.bounds)
    assert size[1] - size[0] == pytest.approx(2 * SPHERE_RADIUS_MM, abs=0.5) and size[4] == 0
    assert "no parameters" in window.parameter_form._title.text()
    assert sphere_stl.resolve() in window.recent_files.paths()

    rules = [finding.rule for finding in window.check_list.findings()]
    assert "fdm.overhang" in rules
    row = rules.index("fdm.overhang")
    overhang = window.check_list.findings()[row]
    camera_before = window.bed_view.plotter.camera_position
    window.check_list.choose(row)

    painted = window.bed_view._marks
    # All the overhang is painted, not just the facets the report lists.
    assert len(overhang.every_face) > len(overhang.faces)
    assert painted is not None and set(np.flatnonzero(painted)) == set(overhang.every_face.tolist())
    assert window.bed_view.plotter.actors.get("finding points") is None, "painted facets need no dots"
    assert window.bed_view.plotter.camera_position != camera_before, "the view frames the chosen finding"
    screenshot(qtbot, window, "checks_finding_chosen")

    window.check_list.overlay.setChecked(True)
    assert (window.bed_view._marks > 0).sum() >= len(overhang.every_face)
    window.check_list.choose(-1)
    assert set(np.unique(window.bed_view._marks)) <= {0, 2, 3}, "the overlay stays once nothing is chosen"
    screenshot(qtbot, window, "checks_overlay")
    window.close()


def test_the_part_and_its_program_are_exported(qtbot, tmp_path, sphere_stl):
    window = open_window(qtbot)
    wait_for_part(qtbot, window)
    window.open_path(sphere_stl)
    wait_for_file(qtbot, window, "ball.stl")
    assert not window.export_actions["gcode"].isEnabled(), "no G-code before slicing"
    assert not window.save_recipe_action.isEnabled()

    for kind in ("stl", "3mf"):
        target = tmp_path / f"out.{kind}"
        assert window.export_to(kind, target) and target.stat().st_size > 0

    window.fabricate_panel.slice_button.click()
    qtbot.waitUntil(lambda: window.sliced is not None, timeout=SLICE_TIMEOUT_MS)
    gcode = tmp_path / "out.gcode"
    assert window.export_actions["gcode"].isEnabled() and window.export_to("gcode", gcode)
    assert gcode.read_text().startswith(";") or "G1" in gcode.read_text()
    assert not window.save_recipe_to(tmp_path / "mesh.localfab"), "a mesh file has no design to record"
    assert "mesh file has no design" in window.status_text()
    window.close()


def test_a_file_that_cannot_be_opened_is_explained_in_the_status_bar(qtbot, tmp_path):
    window = open_window(qtbot)
    wait_for_part(qtbot, window)
    broken = tmp_path / "broken.localfab"
    broken.write_bytes(b"not a zip")

    window.open_path(broken)

    assert window.status_text().startswith("Cannot open broken.localfab:")
    assert "not a zip" in window.status_text()
    assert window.shown_part.template.id == "box", "the part on the bed stays"
    window.close()


def test_a_design_exports_as_step_and_an_openscad_file_opens_with_its_customizer(qtbot, tmp_path):
    from tests.conftest import REPO

    window = open_window(qtbot)
    wait_for_part(qtbot, window)
    step = tmp_path / "box.step"
    assert window.export_to("step", step)
    qtbot.waitUntil(step.is_file, timeout=60_000)
    assert step.read_bytes().startswith(b"ISO-10303-21")

    window.open_path(REPO / "tests" / "data" / "scad" / "tagged_box.scad")
    qtbot.waitUntil(lambda: window.shown_part is not None and window.shown_part.template.kind == "openscad",
                    timeout=60_000)
    assert window.parameter_form.editor("width").value() == 30
    assert not window.export_actions["step"].isEnabled(), "an OpenSCAD design has no B-rep"
    screenshot(qtbot, window, "openscad_design")
    window.close()
