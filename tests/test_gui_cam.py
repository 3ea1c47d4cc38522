"""The CNC router and laser views of the real window: a flat design's CAM setup, its toolpaths drawn by
operation on the sheet, the simulated stock, and the saved program with its job record; every stage leaves a
screenshot in tests/artifacts/.

Run under a display: `xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python -m pytest tests/test_gui_cam.py`.
"""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

from app.gui.main_window import CAM_HINT, CAM_SHOWN_HINT
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


def save(qtbot, panel, folder: Path) -> None:
    panel.save_to(folder)
    qtbot.waitUntil(lambda: not panel.save_runner.busy, timeout=SLICE_TIMEOUT_MS)


def by_severity(report) -> list:
    """A check report's findings as the check list lists them: errors first, then by rule."""
    return sorted(report.findings, key=lambda f: (("error", "warning", "info").index(f.severity), f.rule))


def drawn_rings(lines) -> list[np.ndarray]:
    """The (n, 2) mm vertices of each polyline of a drawn line set (the view's outlines)."""
    cells, points, rings, at = np.asarray(lines.lines), np.asarray(lines.points)[:, :2], [], 0
    while at < len(cells):
        rings.append(points[cells[at + 1:at + 1 + cells[at]]])
        at += 1 + cells[at]
    return rings


def nearest_distances(points: np.ndarray, rings: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """For each (x, y) point, how far (mm) the nearest of the rings' vertices is, and the nearest of their lines."""
    import shapely

    vertices = np.vstack(rings)
    to_vertex = np.linalg.norm(points[:, None, :2] - vertices[None], axis=2).min(axis=1)
    return to_vertex, shapely.distance(shapely.MultiLineString(rings), shapely.points(points[:, :2]))


def files_in(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def assert_each_pass_is_on_its_own_piece(result) -> None:
    """Every toolpath's (or laser layer's) paths are all listed, each under one piece; a piece's outside profile
    or laser cut goes round its outline and each of its holes (a stool leg's mortise, a seat's four), once."""
    from app.gui.cam_job import UNASSIGNED
    from slicing.fdm import polygons

    for sheet, planned in zip(result.sheets, result.job.sheets, strict=True):
        assert UNASSIGNED not in [part.name for part in sheet.parts]
        pieces = polygons.islands(planned.part.outline)
        assert len(sheet.parts) == len(pieces)
        listed = {}
        for part in sheet.parts:
            for operation in part.operations:
                listed[operation.name] = listed.get(operation.name, 0) + operation.paths
        planned_paths = ({t.name: len(t.passes) for t in planned.toolpaths} if result.job.process == "cnc"
                         else {layer.operation: len(layer.paths) for layer in planned.layers})
        assert listed == planned_paths, "each path listed exactly once"
        for part, rings in zip(sheet.parts, pieces, strict=True):
            profiles = [op.paths for op in part.operations if op.kind in ("profile", "cut")]
            assert profiles == [len(rings)], f"{part.name}: {len(rings)} rings, profile paths {profiles}"


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
    assert window._no_slice_hint.text() == CAM_HINT

    make_toolpaths(qtbot, panel)
    assert window._no_slice_hint.text() == CAM_SHOWN_HINT, "the hint no longer asks for toolpaths"
    result = panel.result
    assert window.check_list.findings() == by_severity(result.report) == [], "dog-bones clear the tight corners"
    assert window.check_list._summary.text() == "Checks: no findings", "the router's check, under the view"
    assert result.choice.sheet_mm == (800.0, 400.0) and result.choice.settings["relief"] == "dogbone"
    assert panel.run_time_label.text() not in ("—", "") and result.run_time_s > 0
    (sheet,) = result.sheets
    assert not panel.sheet_picker.isVisible() and panel.sheets_label.text() == "1", "one copy, not nested"
    operations = listed_operations(panel)
    assert len(operations) == len(sheet.parts) == 4, "one entry per piece of the stool"
    assert all(ops == ["outside profile"] for ops in operations.values()), operations
    assert all(op.kind == "profile" and op.tool == "flat-6-2f" for part in sheet.parts for op in part.operations)
    # The seat's profile goes round its outline and its four mortises, each leg's round its outline and mortise.
    assert sorted(op.paths for part in sheet.parts for op in part.operations) == [1, 2, 2, 5]
    assert_each_pass_is_on_its_own_piece(result)
    # The sheet is the bed now, with the parts' outlines on it and the toolpaths in the operations' colours.
    assert window.bed_view.bed_size == (800.0, 400.0)
    outlines, toolpaths = drawn(window, "cam outlines"), drawn(window, "toolpaths")
    assert outlines.n_cells >= 4 and toolpaths.n_cells == sheet.preview.toolpaths.n_cells > 0
    bounds = np.asarray(toolpaths.bounds)
    assert np.all(bounds[[0, 2]] >= 0.0) and np.all(bounds[[1, 3]] <= (800.0, 400.0)), "on the sheet"
    screenshot(qtbot, window, "cam_2_stool_toolpaths")

    # The simulated stock: a surface as big as the sheet, cut through along the profiles.
    panel.stock_shown.setChecked(True)
    stock = drawn(window, "cam stock")
    assert stock is not None and drawn(window, "toolpaths") is None
    assert stock.bounds[1] == pytest.approx(800.0, abs=2.0) and stock.bounds[3] == pytest.approx(400.0, abs=2.0)
    assert stock["depth"].max() == pytest.approx(sheet.preview.thickness_mm)
    screenshot(qtbot, window, "cam_3_stool_stock")
    panel.stock_shown.setChecked(False)
    assert drawn(window, "cam stock") is None and drawn(window, "toolpaths") is not None

    # Save program…: the program files and cam.json, as `localfab cam -o DIR` writes them.
    assert panel.save_button.isEnabled()
    save(qtbot, panel, tmp_path)
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
    assert window.check_list.overlay.isVisible(), "a printed part's overhangs can be coloured again"
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
    (sheet,) = result.sheets
    assert {"cut"} <= {sheet.preview.kinds[k] for k in np.unique(sheet.preview.toolpaths["feature"])}
    assert window.bed_view.bed_size == sheet.preview.sheet_mm == (400.0, 400.0), "the sheet is the laser's bed"
    assert drawn(window, "toolpaths").n_cells == sheet.preview.toolpaths.n_cells
    assert_each_pass_is_on_its_own_piece(result)
    screenshot(qtbot, window, "cam_5_laser_toolpaths")

    save(qtbot, panel, tmp_path)
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
    # The laser's table has no cut for 6 mm MDF, the design's default thickness: the panel says so in place.
    panel.material.setCurrentIndex(panel.material.findData("mdf"))
    panel.make_button.click()
    qtbot.waitUntil(lambda: not panel.make_runner.busy, timeout=SLICE_TIMEOUT_MS)
    assert "no cut setting for 6 mm mdf" in panel.findings_label.text()

    window.parameter_form.editor("thickness").setValue(3.0)
    qtbot.waitUntil(lambda: window.shown_part.parameters.get("thickness") == 3.0 and panel.make_button.isEnabled(),
                    timeout=SLICE_TIMEOUT_MS)
    assert panel.process.currentData() == "laser", "a rebuild keeps the chosen process"
    make_toolpaths(qtbot, panel)
    assert listed_operations(panel) == {"Part 1 (100 × 100 mm)": ["fill", "cut"]}
    (sheet,) = panel.result.sheets
    assert set(sheet.preview.kinds[k] for k in np.unique(sheet.preview.toolpaths["feature"])) == {"fill", "cut"}
    bounds = np.asarray(drawn(window, "toolpaths").bounds)
    assert np.all(bounds[[0, 2]] > 0.0) and np.all(bounds[[1, 3]] < sheet.preview.sheet_mm), "on the laser's bed"
    screenshot(qtbot, window, "cam_6_coaster_laser_layers")
    window.close()


def test_a_design_that_can_be_printed_or_milled_is_printed_until_milling_is_chosen(qtbot):
    from app.gui.fabricate_panel import CUT, PRINTED

    window = open_window(qtbot)
    fabricate = window.fabricate_panel
    qtbot.waitUntil(lambda: window.design_panel.list.count() > 0)
    ids = [template.id for template in window.design_panel._templates]
    window.design_panel.list.setCurrentRow(ids.index("spur-gear"))
    qtbot.waitUntil(lambda: window.shown_part is not None and window.shown_part.template.id == "spur-gear",
                    timeout=SLICE_TIMEOUT_MS)
    choices = [(fabricate.making.itemData(i), fabricate.making.itemText(i)) for i in range(fabricate.making.count())]
    assert fabricate.making.isVisible() and choices == [(PRINTED, "3D printer"), (CUT, "CNC router")]
    assert fabricate.chosen_making() == PRINTED and fabricate.slice_button.isVisible()
    assert window.check_list.overlay.isVisible(), "printed: the printer's check and its overlay"
    printer = window.machine_text()

    fabricate.making.setCurrentIndex(fabricate.making.findData(CUT))
    panel = window.cam_panel
    assert panel is not None and panel.isVisible() and not fabricate.slice_button.isVisible()
    assert panel.title.text() == "Fabricate — CNC router" and not panel.process.isVisible()
    assert not window.check_list.overlay.isVisible()
    assert window.machine_text() == panel.machine.currentText() == "Generic GRBL 1.1 router"
    panel.make_button.click()
    qtbot.waitUntil(lambda: not panel.make_runner.busy, timeout=SLICE_TIMEOUT_MS)
    assert "the 6 mm tool does not fit in the pocket" in panel.findings_label.text(), "the ring around the hub"
    panel.tool.setCurrentIndex(panel.tool.findData("flat-3.175-2f"))
    window.parameter_form.editor("hub_height").setValue(3.0)  # 11 mm in all: within the 12 mm flutes
    qtbot.waitUntil(lambda: window.shown_part.parameters.get("hub_height") == 3.0 and panel.make_button.isEnabled(),
                    timeout=SLICE_TIMEOUT_MS)
    assert fabricate.chosen_making() == CUT and panel.isVisible(), "an edit keeps the choice"
    make_toolpaths(qtbot, panel)
    # The gear's tooth roots are rounded for a print, tighter than a 3.175 mm cutter: the router's check says
    # so, lists it under the view, and the program is not saved without the recorded override.
    assert "cnc.inside_corner" in {f.rule for f in panel.result.report.errors}
    assert "inside corners" in panel.findings_label.text() and not panel.save_button.isEnabled()
    assert window.check_list.list.count() == len(panel.result.report.findings)
    screenshot(qtbot, window, "cam_13_gear_milled")

    fabricate.making.setCurrentIndex(fabricate.making.findData(PRINTED))
    assert fabricate.slice_button.isVisible() and panel.result is None, "back to the printer: the job goes"
    assert window.machine_text() == printer
    assert drawn(window, "toolpaths") is None
    window.design_panel.list.setCurrentRow(ids.index("box"))
    qtbot.waitUntil(lambda: window.shown_part is not None and window.shown_part.template.id == "box",
                    timeout=SLICE_TIMEOUT_MS)
    assert not fabricate.making.isVisible()
    window.design_panel.list.setCurrentRow(ids.index("spur-gear"))
    qtbot.waitUntil(lambda: window.shown_part is not None and window.shown_part.template.id == "spur-gear",
                    timeout=SLICE_TIMEOUT_MS)
    assert fabricate.making.isVisible() and fabricate.chosen_making() == PRINTED
    window.close()


def test_tabs_are_placed_by_clicking_on_a_pieces_cut_and_the_copies_stay_where_they_were(qtbot, tmp_path):
    import shapely
    from PySide6.QtCore import QPoint, Qt

    from app.cli import main
    from slicing.cnc.flat import quarter_turned

    window = open_window(qtbot)
    choose_design(qtbot, window, "plywood-stool")
    panel = window.cam_panel
    panel.holding.set_expanded(True)
    panel.copies.setValue(2)
    panel.relief.setCurrentIndex(panel.relief.findData("dogbone"))
    panel.allowance.setValue(0.3)  # and a finishing pass round each piece
    assert not panel.place_tabs.isEnabled(), "tabs are placed on a job's sheet: make one first"
    make_toolpaths(qtbot, panel)
    first = panel.result
    tabs_before = [tab for toolpath in first.job.sheets[0].toolpaths for tab in toolpath.tabs]

    def click_sheet(x_mm: float, y_mm: float) -> None:
        x_px, y_px = window.bed_view.pixel_of(np.array([x_mm, y_mm, first.sheets[0].preview.thickness_mm]))
        qtbot.mouseClick(window.bed_view.plotter, Qt.MouseButton.LeftButton, pos=QPoint(round(x_px), round(y_px)))

    panel.place_tabs.click()
    assert panel.place_tabs.isChecked()
    click_sheet(*(np.array(first.inputs.sheet_mm) - 5.0))  # the sheet's far corner: no piece there
    assert "No part's outside cut there" in window.status_text() and panel.hand_tabs == ()

    # The middle of the first copy's piece's longest outside edge, clicked where the sheet shows it.
    placement = first.sheets[0].placements[0]
    outline = np.asarray(first.pieces[placement.part].exterior.coords)
    longest = int(np.argmax(np.linalg.norm(np.diff(outline, axis=0), axis=1)))
    own = (outline[longest] + outline[longest + 1]) / 2
    on_sheet = quarter_turned(own[None], placement.quarter_turns)[0] + np.asarray(placement.shift_mm)
    click_sheet(*on_sheet)
    qtbot.waitUntil(lambda: panel.result is not first and not panel.make_runner.busy, timeout=SLICE_TIMEOUT_MS)
    remade = panel.result
    (hand,) = panel.hand_tabs
    assert np.hypot(*(np.asarray(hand) - own)) < 3.0, "the tab is where the click was, in the drawing's mm"
    assert remade.inputs.tab_points == panel.hand_tabs
    assert [s.placements for s in remade.sheets] == [s.placements for s in first.sheets], "nothing moved"
    assert "1 placed by hand" in panel.hand_tabs_label.text()
    tabs_after = [tab for toolpath in remade.job.sheets[0].toolpaths for tab in toolpath.tabs]
    # Every copy of the piece gets the tab (its automatic ones make way); the other pieces keep theirs.
    copies = [p for p in first.sheets[0].placements if p.part == placement.part]
    for copy in copies:
        there = quarter_turned(np.asarray(hand)[None], copy.quarter_turns)[0] + np.asarray(copy.shift_mm)
        reach = first.inputs.tool.radius_mm + 1.0
        assert min(shapely.distance(shapely.LineString(tab.centre_xy), shapely.Point(there)) for tab in tabs_after
                   ) <= reach, f"a tab at {there} mm"
    assert len(tabs_after) == len(tabs_before) - len(copies) * (first.inputs.tabs - 1)
    marks = drawn(window, "cam hand tabs")
    assert marks is not None and marks.n_points == len(copies)
    screenshot(qtbot, window, "cam_14_stool_tab_by_hand")

    # Save program… writes what `localfab cam --tab-at X,Y` writes with the window's nesting.
    save(qtbot, panel, tmp_path / "window")
    assert remade.inputs.allowance_mm == 0.3
    assert main(["cam", "plywood-stool", "--copies", "2", "--relief", "dogbone", "--allowance", "0.3",
                 "--tab-at", f"{hand[0]},{hand[1]}",
                 "--placements", str(tmp_path / "window" / "cam.json"), "-o", str(tmp_path / "cli")]) == 0
    saved, written = files_in(tmp_path / "window"), files_in(tmp_path / "cli")
    assert sorted(saved) == sorted(written) and [name for name in saved if saved[name] != written[name]] == []

    panel.clear_tabs.click()
    qtbot.waitUntil(lambda: panel.result is not remade and not panel.make_runner.busy, timeout=SLICE_TIMEOUT_MS)
    assert panel.hand_tabs == () and drawn(window, "cam hand tabs") is None
    assert len([tab for toolpath in panel.result.job.sheets[0].toolpaths for tab in toolpath.tabs]) == len(tabs_before)
    window.close()


def test_six_stools_and_a_coupon_are_nested_labelled_shown_sheet_by_sheet_and_saved_like_the_command_line(
        qtbot, tmp_path):
    from app.cam_chain import RouterInputs
    from app.cli import main

    window = open_window(qtbot)
    choose_design(qtbot, window, "plywood-stool")
    panel = window.cam_panel
    # The command's defaults, and the engraving tools of the library: V-bits, ball-nose and fine flat tools.
    chosen = panel.choice()
    assert chosen.settings == {field.name: field.default for field in fields(RouterInputs)
                               if field.name in chosen.settings} and len(chosen.settings) == 14
    assert chosen.sheet_mm == (600.0, 400.0) and chosen.engrave_tool == "vbit-60-6.35"
    engravers = {panel.engrave_tool.itemData(i) for i in range(panel.engrave_tool.count())}
    assert panel.engrave_tool.currentData() == "vbit-60-6.35"
    assert {"vbit-60-6.35", "vbit-90-12", "ball-3.175-2f", "flat-1-1f"} <= engravers
    assert not {"flat-6-2f", "flat-12-2f-nc"} & engravers, "a wide flat end mill does not engrave"
    assert not panel.lead_style.isEnabled(), "a lead's style matters only with a lead"

    panel.nesting.set_expanded(True)
    panel.holding.set_expanded(True)
    panel.machine.setCurrentIndex(panel.machine.findData("fablab-linuxcnc-router"))
    panel.sheet_width.setValue(1220.0)
    panel.sheet_height.setValue(1220.0)
    panel.copies.setValue(6)
    panel.coupon.setChecked(True)
    panel.labels.setChecked(True)
    panel.relief.setCurrentIndex(panel.relief.findData("dogbone"))
    panel.tabs.setValue(3)
    panel.tab_width.setValue(10.0)
    panel.lead.setValue(3.0)
    panel.direction.setCurrentIndex(panel.direction.findData("conventional"))
    assert panel.lead_style.isEnabled()
    panel.lead_style.setCurrentIndex(panel.lead_style.findData("arc"))
    panel.spacing.setValue(5.0)
    screenshot(qtbot, window, "cam_7_stool_copies_setup")
    panel.nesting.set_expanded(False)
    panel.holding.set_expanded(False)
    make_toolpaths(qtbot, panel)
    result = panel.result
    assert result.inputs.copies == 6 and result.inputs.coupon and result.inputs.labels and result.inputs.tabs == 3
    assert (result.inputs.tab_width_mm, result.inputs.lead_mm, result.inputs.lead_style, result.inputs.direction) == (
        10.0, 3.0, "arc", "conventional")
    assert result.inputs.spacing_mm == 5.0

    # However the nesting falls, six of each of the stool's pieces (or of the whole stool) and the coupon (the
    # last part nested) are placed, on one sheet or more.
    records = result.job.record["sheets"]
    placed = np.bincount([placement["part"] for record in records for placement in record["placements"]])
    assert set(placed[:-1]) == {6} and placed[-1] == 1, placed
    assert len(result.sheets) == len(records) == len(result.job.sheets)
    assert [sheet.utilisation for sheet in result.sheets] == [record["utilisation"] for record in records]
    assert sum(sheet.run_time_s for sheet in result.sheets) == pytest.approx(result.run_time_s, abs=0.5)
    assert_each_pass_is_on_its_own_piece(result)
    pieces = [part for sheet in result.sheets for part in sheet.parts]
    assert len(pieces) == 6 * 4 + 1, "four pieces a stool, and the coupon"
    assert all([op.kind for op in part.operations] == ["engrave", "profile"] for part in pieces), \
        "each piece engraves its label, then cuts its outline and holes"
    holes = sorted(op.paths - 1 for part in pieces for op in part.operations if op.kind == "profile")
    assert holes == [0] * 7 + [1] * 12 + [4] * 6, "six stretchers and the coupon, twelve legs, six seats"

    first = drawn(window, "toolpaths")
    assert first.n_cells == result.sheets[0].preview.toolpaths.n_cells
    assert listed_operations(panel) == {part.name: [op.name for op in part.operations]
                                        for part in result.sheets[0].parts}
    if len(result.sheets) == 1:
        assert not panel.sheet_picker.isVisible()
        assert panel.sheets_label.text() == f"1 · {round(100 * records[0]['utilisation'])} % used"
    else:
        assert panel.sheets_label.text() == f"{len(result.sheets)}: choose one below to see it"
        count = len(result.sheets)
        assert panel.sheet_picker.isVisible() and panel.sheet_picker.count() == count
        titles = [panel.sheet_picker.itemText(i) for i in range(count)]
        assert titles[1].startswith(f"Sheet 2 of {count} · {round(100 * records[1]['utilisation'])} % used · ")
        screenshot(qtbot, window, "cam_8_stool_sheet_1_of_several")
        first_points = np.array(first.points)
        panel.sheet_picker.setCurrentIndex(1)
        second = drawn(window, "toolpaths")
        assert second.n_cells == result.sheets[1].preview.toolpaths.n_cells
        assert first_points.shape != second.points.shape or not np.allclose(first_points, second.points), \
            "the view draws the second sheet's toolpaths"
        assert listed_operations(panel) == {part.name: [op.name for op in part.operations]
                                            for part in result.sheets[1].parts}
        # The simulated stock follows the picker too.
        panel.stock_shown.setChecked(True)
        assert drawn(window, "cam stock")["depth"].max() > 0 and drawn(window, "toolpaths") is None
        screenshot(qtbot, window, "cam_9_stool_sheet_2_stock")
        stock_two = np.array(drawn(window, "cam stock")["depth"])
        panel.sheet_picker.setCurrentIndex(0)
        assert not np.array_equal(np.array(drawn(window, "cam stock")["depth"]), stock_two)
        panel.stock_shown.setChecked(False)

    # Save program… writes what `localfab cam` writes with the same options and the window's nesting.
    save(qtbot, panel, tmp_path / "window")
    assert main(["cam", "plywood-stool", "--machine", "fablab-linuxcnc-router", "--sheet", "1220x1220",
                 "--copies", "6", "--coupon", "--labels", "--relief", "dogbone", "--tabs", "3", "--tab-width", "10",
                 "--lead", "3", "--lead-style", "arc", "--direction", "conventional", "--spacing", "5",
                 "--placements", str(tmp_path / "window" / "cam.json"), "-o", str(tmp_path / "cli")]) == 0
    saved, written = files_in(tmp_path / "window"), files_in(tmp_path / "cli")
    assert sorted(saved) == sorted(written) == sorted([*result.job.outputs, "cam.json", "plywood-stool.localfab"])
    assert [name for name in saved if saved[name] != written[name]] == [], "byte-identical files"
    window.close()


def test_four_engraved_coasters_are_nested_on_the_laser_bed_and_saved_like_the_command_line(qtbot, tmp_path):
    from app.cam_chain import LaserInputs
    from app.cli import main

    window = open_window(qtbot)
    choose_design(qtbot, window, "engraved-coaster")
    panel = window.cam_panel
    panel.process.setCurrentIndex(panel.process.findData("laser"))
    assert (panel.sheet_width.value(), panel.sheet_height.value()) == (400.0, 400.0), "the laser's bed"
    chosen = panel.choice()
    assert chosen.settings == {field.name: field.default for field in fields(LaserInputs) if field.name in (
        "copies", "spacing_mm", "coupon", "labels")}, "the command's defaults, and only its settings"
    assert not panel.holding.isVisible() and panel.nesting.isVisible() and not panel.nesting.is_expanded()
    assert panel.nesting.form.isRowVisible(panel.copies) and panel.nesting.form.isRowVisible(panel.coupon)
    assert not panel.nesting.form.isRowVisible(panel.keep_grain), "a laser has no grain to keep"
    panel.thickness.setValue(3.0)
    panel.copies.setValue(4)
    panel.labels.setChecked(True)
    panel.coupon.setChecked(True)
    make_toolpaths(qtbot, panel)
    result = panel.result
    assert result.inputs.sheet_mm is None and result.inputs.copies == 4 and result.inputs.labels
    assert result.inputs.coupon
    records = result.job.record["sheets"]
    assert sum(len(record["placements"]) for record in records) == 4 + 1  # and the coupon
    assert_each_pass_is_on_its_own_piece(result)
    pieces = [part for sheet in result.sheets for part in sheet.parts]
    kinds = sorted(tuple(sorted({op.kind for op in part.operations})) for part in pieces)
    assert kinds == [("cut", "engrave")] + [("cut", "engrave", "fill")] * 4, \
        "each coaster: its fill, its label, its cut; the coupon: its ticks and its cut"
    if len(result.sheets) == 1:
        assert not panel.sheet_picker.isVisible()
        assert panel.sheets_label.text() == f"1 · {round(100 * records[0]['utilisation'])} % used"
    bounds = np.asarray(drawn(window, "toolpaths").bounds)
    assert np.all(bounds[[0, 2]] > 0.0) and np.all(bounds[[1, 3]] < (400.0, 400.0)), "on the laser's bed"
    screenshot(qtbot, window, "cam_10_four_coasters_laser")

    save(qtbot, panel, tmp_path / "window")
    assert main(["laser", "engraved-coaster", "--thickness", "3", "--copies", "4", "--labels", "--coupon",
                 "--placements", str(tmp_path / "window" / "laser.json"), "-o", str(tmp_path / "cli")]) == 0
    saved, written = files_in(tmp_path / "window"), files_in(tmp_path / "cli")
    assert sorted(saved) == sorted(written) == sorted([*result.job.outputs, "laser.json", "engraved-coaster.localfab"])
    assert [name for name in saved if saved[name] != written[name]] == [], "byte-identical files"
    window.close()


def test_the_routers_check_lists_the_stools_tight_corners_and_marks_them_on_every_nested_copy(qtbot):
    from slicing.fdm import polygons

    window = open_window(qtbot)
    choose_design(qtbot, window, "plywood-stool")
    panel = window.cam_panel
    assert not window.check_list.overlay.isVisible(), "overhangs and thin walls are a printer's worries"
    # Two stools without corner reliefs, nested on the router's whole 800 x 800 mm travel.
    panel.sheet_width.setValue(800.0)
    panel.sheet_height.setValue(800.0)
    panel.copies.setValue(2)
    assert panel.relief.currentData() == ""
    make_toolpaths(qtbot, panel)
    result = panel.result
    assert [f.rule for f in result.report.errors] == ["cnc.inside_corner"]
    listed = window.check_list.findings()
    assert listed == by_severity(result.report)
    assert window.check_list._summary.text().startswith("Checks: 1 error")
    assert window.check_list.list.item(0).text().startswith(
        f"{len(listed[0].points)} inside corners are tighter than the 6 mm tool can cut")
    # The override unticked, the check's errors stop a save; ticked, they do not.
    assert not panel.override.isChecked() and not panel.save_button.isEnabled()
    assert panel.save_button.toolTip().startswith("The check found 1 error(s)")
    panel.override.setChecked(True)
    assert panel.save_button.isEnabled()
    panel.override.setChecked(False)

    # The check found each corner on the stool's drawing centred on the sheet (its tight corners are tool's
    # reach slivers left in the cut, a little way off the corner): how far each is from the drawing's nearest
    # vertex and line is where it is. Each copy on the sheets must have its corners marked just as far from
    # the drawn outline's.
    corners = listed[0]
    checked = np.asarray(corners.points)
    drawing = result.source.mesh
    on_sheet = np.array([800.0, 800.0]) / 2.0 - drawing.bounds[:, :2].mean(axis=0)  # slicing.mesh.place_on_bed
    drawn_corners = [ring + on_sheet for ring in polygons.to_mm(result.source.part.outline)]
    to_vertex, to_line = nearest_distances(checked, drawn_corners)
    assert np.all(to_line < 1.2) and np.sum(to_vertex < 2.0) >= len(checked) // 2, "the check found corners"
    window.check_list.choose(0)
    marked_vertex, marked_line = [], []
    for index, sheet in enumerate(result.sheets):
        panel.sheet_picker.setCurrentIndex(index)
        marks = np.asarray(drawn(window, "finding points").points)
        rings = drawn_rings(drawn(window, "cam outlines"))
        vertex, line = nearest_distances(marks, rings)
        marked_vertex.append(vertex)
        marked_line.append(line)
        assert np.allclose(marks[:, 2], sheet.preview.thickness_mm), "on the sheet's top, with the outlines"
        assert window.status_text() == f"Marked where it is on {len(sheet.placements)} pieces on this sheet", \
            "every piece of the stool has tight corners, and each copy of it on the sheet is marked"
        if index == 0:
            screenshot(qtbot, window, "cam_11_stool_tight_corners_on_nested_copies")
            # A close look at one marked corner, for the screenshot.
            corner = marks[np.argmin(vertex)]
            window.bed_view.frame_box(np.repeat(corner, 2) + np.array([-40, 40, -40, 40, -5, 5]))
            screenshot(qtbot, window, "cam_12_stool_tight_corners_close_up")
    copies = 2
    assert sorted(np.concatenate(marked_vertex)) == pytest.approx(sorted(np.tile(to_vertex, copies)), abs=0.01)
    assert sorted(np.concatenate(marked_line)) == pytest.approx(sorted(np.tile(to_line, copies)), abs=0.01)

    # Chosen, a finding is framed: the view looks at its marks.
    panel.sheet_picker.setCurrentIndex(0)
    window.check_list.choose(-1)
    assert drawn(window, "finding points") is None
    window.check_list.choose(0)
    marks = np.asarray(drawn(window, "finding points").points)
    focus = np.asarray(window.bed_view.plotter.camera.focal_point)
    assert np.all(focus[:2] >= marks[:, :2].min(axis=0)) and np.all(focus[:2] <= marks[:, :2].max(axis=0))

    # Another sheet thickness is another design: its check goes with the toolpaths.
    window.parameter_form.editor("sheet_thickness").setValue(12.5)
    qtbot.waitUntil(lambda: panel.result is None, timeout=SLICE_TIMEOUT_MS)
    assert window.check_list.findings() == [] and window.check_list._summary.text() == "Checks: nothing checked yet"
    window.close()


def test_a_check_point_goes_to_each_copy_of_its_piece_turned_and_shifted_as_the_nesting_placed_it():
    import shapely

    from app.gui.cam_job import places_on_sheet
    from slicing.cnc.nest import Placement

    # A 10 x 20 mm piece at the origin and a 10 x 10 mm one beside it, checked 5 mm further right and 7 up.
    pieces = (shapely.box(0.0, 0.0, 10.0, 20.0), shapely.box(30.0, 0.0, 40.0, 10.0))
    check_shift = np.array([5.0, 7.0, 0.0])
    # The first piece's top-right corner, found at half the sheet's depth; a spot just off the second piece.
    points = np.array([[10.0, 20.0, 6.0], [41.0, 5.0, 0.0]]) + check_shift
    placements = [Placement(0, 1, (100.0, 50.0)), Placement(1, 2, (200.0, 20.0)), Placement(0, 0, (0.0, 0.0)),
                  Placement(2, 3, (300.0, 300.0))]
    turned, half_turned, in_place, coupon = places_on_sheet(points, check_shift, pieces, placements)
    # A quarter turn counter-clockwise takes (10, 20) to (-20, 10); a half turn, (41, 5) to (-41, -5).
    assert turned == pytest.approx(np.array([[80.0, 60.0, 6.0]]))
    assert half_turned == pytest.approx(np.array([[159.0, 15.0, 0.0]]))
    assert in_place == pytest.approx(np.array([[10.0, 20.0, 6.0]]))
    assert coupon.shape == (0, 3), "a coupon is no piece of the design"


def test_a_click_on_a_turned_and_shifted_copy_goes_back_to_the_drawings_own_millimetres():
    import shapely

    from app.gui.cam_job import drawing_point_at, places_on_sheet
    from slicing.cnc.nest import Placement

    pieces = (shapely.box(0.0, 0.0, 10.0, 20.0), shapely.box(30.0, 0.0, 40.0, 10.0))
    placements = [Placement(0, 1, (100.0, 50.0)), Placement(1, 2, (200.0, 20.0)), Placement(2, 0, (0.0, 0.0))]
    # The middle of the first piece's right edge, (10, 10), where its quarter-turned copy shows it.
    (on_sheet,) = places_on_sheet(np.array([[10.0, 10.0, 0.0]]), np.zeros(3), pieces, placements[:1])
    assert drawing_point_at(tuple(on_sheet[0, :2]), pieces, placements, 4.0) == (10.0, 10.0)
    # 3 mm outside the half-turned second piece's edge x = 30 (on the sheet: x = 200 - 30 + 3).
    assert drawing_point_at((173.0, 15.0), pieces, placements, 4.0) == (27.0, 5.0)
    assert drawing_point_at((173.0, 15.0), pieces, placements, 2.0) is None, "too far from any outline"
    assert drawing_point_at((5.0, 5.0), pieces, placements, 4.0) is None, "the coupon is no piece of the design"
