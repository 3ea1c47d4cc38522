"""The CNC router and laser views of the real window: a flat design's CAM setup, its toolpaths drawn by
operation on the sheet, the simulated stock, and the saved program with its job record; every stage leaves a
screenshot in tests/artifacts/.

Run under a display: `xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python -m pytest tests/test_gui_cam.py`.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.gui_helpers import SLICE_TIMEOUT_MS, open_window, screenshot, skip_without_display

skip_without_display()

pytestmark = pytest.mark.gui


def choose_design(qtbot, window, template_id: str) -> None:
    """Pick a design in the library list, as a person does, and wait for its part."""
    qtbot.waitUntil(lambda: window.design_panel.list.count() > 0)
    ids = [template.id for template in window.design_panel._templates]
    window.design_panel.list.setCurrentRow(ids.index(template_id))
    qtbot.waitUntil(lambda: window.shown_part is not None and window.shown_part.template.id == template_id,
                    timeout=SLICE_TIMEOUT_MS)
    qtbot.waitUntil(lambda: window.cam_panel is not None and window.cam_panel.make_button.isEnabled())


def make_toolpaths(qtbot, panel) -> None:
    panel.make_button.click()
    assert panel.make_runner.busy and panel.progress.isVisible() and panel.cancel_button.isVisible()
    qtbot.waitUntil(lambda: panel.result is not None or not panel.make_runner.busy, timeout=SLICE_TIMEOUT_MS)
    assert panel.result is not None, panel.findings_label.text()
    assert not panel.progress.isVisible()


def listed_operations(panel) -> dict[str, list[str]]:
    """Each part's name in the operations list, with the operations listed under it."""
    tree = panel.operations
    return {tree.topLevelItem(i).text(0): [tree.topLevelItem(i).child(k).text(0)
                                           for k in range(tree.topLevelItem(i).childCount())]
            for i in range(tree.topLevelItemCount())}


def drawn(window, actor: str):
    found = window.bed_view.plotter.actors.get(actor)
    return None if found is None or not found.visibility else found.mapper.dataset


def test_the_plywood_stool_is_routed_on_a_sheet_with_dogbones_and_saved_like_the_command_line(qtbot, tmp_path):
    window = open_window(qtbot)
    choose_design(qtbot, window, "plywood-stool")
    panel = window.cam_panel
    assert window.fabricate_panel._pages.currentWidget() is panel, "the CAM setup replaces the printer's"
    assert panel.title.text() == "Fabricate — CNC router" and panel.tool.isVisible()
    assert window.check_list.findings() == [], "the printer's check does not judge a routed part"
    panel.sheet_width.setValue(800.0)
    panel.sheet_height.setValue(400.0)
    panel.relief.setCurrentIndex(panel.relief.findData("dogbone"))
    assert not panel.save_button.isEnabled(), "nothing to save before the toolpaths are made"
    screenshot(qtbot, window, "cam_1_stool_setup")

    make_toolpaths(qtbot, panel)
    result = panel.result
    assert result.choice.sheet_mm == (800.0, 400.0) and result.choice.relief == "dogbone"
    assert panel.run_time_label.text() not in ("—", "") and result.run_time_s > 0
    operations = listed_operations(panel)
    assert len(operations) == len(result.parts) >= 4, "one entry per piece of the stool"
    assert all("outside profile" in ops for ops in operations.values()), operations
    assert all(op.kind == "profile" and op.tool == "flat-6-2f" for part in result.parts for op in part.operations)
    # The sheet is the bed now, with the parts' outlines on it and the toolpaths in the operations' colours.
    assert window.bed_view.bed_size == (800.0, 400.0)
    outlines, toolpaths = drawn(window, "cam outlines"), drawn(window, "toolpaths")
    assert outlines.n_cells >= 4 and toolpaths.n_cells == result.preview.toolpaths.n_cells > 0
    bounds = np.asarray(toolpaths.bounds)
    assert np.all(bounds[[0, 2]] >= 0.0) and np.all(bounds[[1, 3]] <= (800.0, 400.0)), "on the sheet"
    screenshot(qtbot, window, "cam_2_stool_toolpaths")

    # The simulated stock: a surface as big as the sheet, cut through along the profiles.
    panel.stock_shown.setChecked(True)
    stock = drawn(window, "cam stock")
    assert stock is not None and drawn(window, "toolpaths") is None
    assert stock.bounds[1] == pytest.approx(800.0, abs=2.0) and stock.bounds[3] == pytest.approx(400.0, abs=2.0)
    assert stock["depth"].max() == pytest.approx(result.preview.thickness_mm)
    screenshot(qtbot, window, "cam_3_stool_stock")
    panel.stock_shown.setChecked(False)
    assert drawn(window, "cam stock") is None and drawn(window, "toolpaths") is not None

    # Save program…: the program files and cam.json, as `localfab cam -o DIR` writes them.
    assert panel.save_button.isEnabled()
    panel.save_to(tmp_path)
    qtbot.waitUntil(lambda: not panel.save_runner.busy, timeout=SLICE_TIMEOUT_MS)
    assert window.status_text() == f"Saved the program in {tmp_path}", window.status_text()
    record = json.loads((tmp_path / "cam.json").read_text())
    assert record["settings"]["corner_relief"] == "dogbone" and record["settings"]["sheet_mm"] == [800.0, 400.0]
    assert record["source"]["design"] == "plywood-stool" and not record["checks"]["overridden"]
    assert all((tmp_path / name).is_file() for name in record["outputs"])
    assert record["run_time_s"] == pytest.approx(result.run_time_s, abs=0.1)

    # Another design goes back to the printer's page and bed.
    window.design_panel.list.setCurrentRow([t.id for t in window.design_panel._templates].index("box"))
    qtbot.waitUntil(lambda: window.shown_part is not None and window.shown_part.template.id == "box",
                    timeout=SLICE_TIMEOUT_MS)
    assert window.fabricate_panel._pages.currentWidget() is not panel
    assert window.bed_view.bed_size != (800.0, 400.0) and drawn(window, "cam outlines") is None
    window.close()


def test_the_laser_finger_box_shows_its_layers_on_the_laser_bed(qtbot, tmp_path):
    window = open_window(qtbot)
    choose_design(qtbot, window, "laser-finger-box")
    panel = window.cam_panel
    assert panel.title.text() == "Fabricate — Laser cutter"
    assert not panel.tool.isVisible() and not panel.relief.isVisible() and not panel.stock_shown.isVisible()
    assert panel.machine.currentData() == "generic-grbl-diode-laser"
    screenshot(qtbot, window, "cam_4_laser_setup")

    make_toolpaths(qtbot, panel)
    result = panel.result
    operations = listed_operations(panel)
    assert len(operations) == 6, "the box's six sides"
    assert all(ops == ["cut"] for ops in operations.values()), operations
    assert panel.operations.topLevelItem(0).child(0).text(1) == "100 % · 300 mm/min", "the cut's power and speed"
    assert {"cut"} <= {result.preview.kinds[k] for k in np.unique(result.preview.toolpaths["feature"])}
    assert window.bed_view.bed_size == result.preview.sheet_mm
    assert drawn(window, "toolpaths").n_cells == result.preview.toolpaths.n_cells
    screenshot(qtbot, window, "cam_5_laser_toolpaths")

    panel.save_to(tmp_path)
    qtbot.waitUntil(lambda: not panel.save_runner.busy, timeout=SLICE_TIMEOUT_MS)
    record = json.loads((tmp_path / "laser.json").read_text())
    assert set(record["outputs"]) == {"laser.gcode", "layers.svg"} and record["material"] == "plywood"
    window.close()


def test_making_toolpaths_can_be_cancelled(qtbot):
    window = open_window(qtbot)
    choose_design(qtbot, window, "plywood-stool")
    panel = window.cam_panel
    panel.make_button.click()
    panel.cancel_button.click()
    assert not panel.make_runner.busy and not panel.cancel_button.isVisible()
    assert window.status_text() == "Making toolpaths cancelled"
    qtbot.wait(3_000)  # a cancelled job that still answered would land by now
    assert panel.result is None and panel.make_button.isEnabled()
    window.close()


def test_a_design_made_by_either_machine_offers_both_and_keeps_the_choice_through_an_edit(qtbot):
    window = open_window(qtbot)
    choose_design(qtbot, window, "engraved-coaster")
    panel = window.cam_panel
    assert panel.process.isVisible() and panel.process.currentData() == "cnc"
    panel.process.setCurrentIndex(panel.process.findData("laser"))
    assert panel.title.text() == "Fabricate — Laser cutter" and not panel.tool.isVisible()
    # The laser's table has no cut for 8 mm plywood: the panel says so in place.
    window.parameter_form.editor("thickness").setValue(8.0)
    qtbot.waitUntil(lambda: window.shown_part.parameters.get("thickness") == 8.0 and panel.make_button.isEnabled(),
                    timeout=SLICE_TIMEOUT_MS)
    panel.make_button.click()
    qtbot.waitUntil(lambda: not panel.make_runner.busy, timeout=SLICE_TIMEOUT_MS)
    assert "no cut setting for 8 mm plywood" in panel.findings_label.text()

    window.parameter_form.editor("thickness").setValue(3.0)
    qtbot.waitUntil(lambda: window.shown_part.parameters.get("thickness") == 3.0 and panel.make_button.isEnabled(),
                    timeout=SLICE_TIMEOUT_MS)
    assert panel.process.currentData() == "laser", "a rebuild keeps the chosen process"
    make_toolpaths(qtbot, panel)
    assert listed_operations(panel) == {"Part 1 (100 × 100 mm)": ["fill", "cut"]}
    assert set(panel.result.preview.kinds[k] for k in np.unique(panel.result.preview.toolpaths["feature"])) == {
        "fill", "cut"}
    # The coaster is drawn about the origin; the job places it on the bed, in from the corner.
    assert panel.result.preview.outlines.bounds[0] > 0 and panel.result.preview.outlines.bounds[2] > 0
    screenshot(qtbot, window, "cam_6_coaster_laser_layers")
    window.close()
