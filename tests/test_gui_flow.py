"""The whole flow through the real window with the storage box: customize, check, slice, look through the
layers, save the recipe and open it again; every stage leaves a screenshot in tests/artifacts/.

Run under a display: `xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python -m pytest tests/test_gui_flow.py`.
"""

from __future__ import annotations

import numpy as np
import pytest

from app.jobs import read_recipe
from tests.gui_helpers import SLICE_TIMEOUT_MS, open_window, screenshot, skip_without_display, wait_for_part

skip_without_display()

pytestmark = pytest.mark.gui


def part_size(window) -> np.ndarray:
    bounds = np.asarray(window.bed_view.part_actor.bounds)
    return bounds[1::2] - bounds[0::2]


def drawn_toolpath_segments(window) -> int:
    actor = window.bed_view.plotter.actors.get("toolpaths")
    return 0 if actor is None else actor.mapper.dataset.n_cells


def test_customize_check_slice_browse_layers_save_and_reopen_the_storage_box(qtbot, tmp_path):
    window = open_window(qtbot)
    wait_for_part(qtbot, window)
    assert window.shown_part.template.id == "box"
    screenshot(qtbot, window, "flow_1_library")

    # Customize: a narrower box makes a narrower part, and the camera stays where it was.
    camera_before = window.bed_view.plotter.camera_position
    width_before = part_size(window)[0]
    window.parameter_form.editor("width").setValue(60.0)
    wait_for_part(qtbot, window, width=60.0)
    assert part_size(window)[0] == pytest.approx(width_before - 2 * 20.0)
    assert window.bed_view.plotter.camera_position == camera_before
    screenshot(qtbot, window, "flow_2_customized")

    # Check: the findings are listed, most severe first, and one can be chosen.
    findings = window.check_list.findings()
    assert findings, "the box check reports at least that it is two bodies"
    order = ["error", "warning", "info"]
    assert [order.index(f.severity) for f in findings] == sorted(order.index(f.severity) for f in findings)
    window.check_list.choose(0)
    assert window.check_list.list.currentRow() == 0
    screenshot(qtbot, window, "flow_3_checks")

    # Slice: progress while it runs, then the estimate, the layer slider and the coloured toolpaths.
    panel = window.fabricate_panel
    assert panel.slice_button.isEnabled()
    panel.slice_button.click()
    assert window.slice_runner.busy and panel.progress.isVisible() and panel.cancel_button.isVisible()
    qtbot.waitUntil(lambda: window.sliced is not None, timeout=SLICE_TIMEOUT_MS)
    estimate = window.sliced.program.estimate
    assert estimate.time_s > 0 and estimate.filament_g > 0
    assert panel.filament_label.text().startswith(f"{estimate.filament_g:.1f} g")
    assert panel.time_label.text() != "—" and panel.cost_label.text() != "—"
    assert not panel.progress.isVisible()
    preview = window.sliced.preview
    assert window.layer_bar.isVisible() and not window._no_slice_hint.isVisible()
    assert window.layer_bar.layer() == preview.layer_count - 1
    top_travels = preview.travel_ends[-1] - preview.travel_ends[-2]
    assert top_travels > 0 and drawn_toolpath_segments(window) == preview.layer_ends[-1] + top_travels
    assert {"External perimeter", "Internal infill", "Travel"} <= set(window.legend.names())
    screenshot(qtbot, window, "flow_4_sliced")

    middle = preview.layer_count // 2
    window.layer_bar.slider.setValue(middle)
    middle_travels = preview.travel_ends[middle] - preview.travel_ends[middle - 1]
    assert drawn_toolpath_segments(window) == preview.layer_ends[middle] + middle_travels < preview.layer_ends[-1]
    screenshot(qtbot, window, "flow_5_layer_slider")

    # Save the recipe, change the design, and open the recipe again: the recorded values come back.
    recipe = tmp_path / "box.localfab"
    assert window.save_recipe_to(recipe) and recipe.is_file()
    window.parameter_form.editor("width").setValue(90.0)
    wait_for_part(qtbot, window, width=90.0)
    assert window.sliced is None, "an edit makes the old slice stale"

    window.open_path(recipe)
    wait_for_part(qtbot, window, width=60.0)
    assert window.parameter_form.editor("width").value() == 60.0
    recorded = read_recipe(recipe).recipe
    assert window.fabricate_panel.printer.currentData().id == recorded.printer["id"]
    assert window.fabricate_panel.material.currentData().id == recorded.material["id"]
    assert recipe.resolve() in window.recent_files.paths()
    screenshot(qtbot, window, "flow_6_recipe_reopened")

    # A workshop checks the recipe: rebuilt from its recorded inputs, every output comes out the same.
    window.verify_recipe(recipe)
    qtbot.waitUntil(lambda: not window.verify_runner.busy, timeout=SLICE_TIMEOUT_MS)
    assert window.status_text().startswith("box.localfab rebuilds byte-identical"), window.status_text()
    window.close()


def test_slicing_can_be_cancelled_and_leaves_no_preview(qtbot):
    window = open_window(qtbot)
    wait_for_part(qtbot, window)
    panel = window.fabricate_panel
    panel.slice_button.click()
    assert panel.cancel_button.isVisible()

    panel.cancel_button.click()

    assert not window.slice_runner.busy and not panel.cancel_button.isVisible()
    assert window.status_text() == "Slicing cancelled"
    qtbot.wait(1_000)  # a cancelled slice that still answered would land by now
    assert window.sliced is None and panel.time_label.text() == "—"
    assert panel.slice_button.isEnabled(), "slicing can start again"
    window.close()
