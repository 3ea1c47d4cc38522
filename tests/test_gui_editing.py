"""Editing in the real window: undo and redo of parameter edits, the library's search and filters, folding
sections, and the About box."""

from __future__ import annotations

import pytest

from tests.gui_helpers import open_window, screenshot, skip_without_display, wait_for_part

skip_without_display()

pytestmark = pytest.mark.gui


def test_parameter_edits_are_undone_and_redone_and_rebuilt(qtbot):
    window = open_window(qtbot)
    wait_for_part(qtbot, window)
    width = window.parameter_form.editor("width")
    assert not window.undo_action.isEnabled()

    width.setValue(70.0)
    width.setValue(71.0)  # two steps on one field are one edit to undo
    wait_for_part(qtbot, window, width=71.0)
    window.parameter_form.editor("height").setValue(30.0)
    wait_for_part(qtbot, window, width=71.0, height=30.0)

    window.undo_action.trigger()
    assert window.parameter_form.editor("height").value() == 40.0
    wait_for_part(qtbot, window, width=71.0, height=40.0)
    window.undo_action.trigger()
    assert width.value() == 80.0
    wait_for_part(qtbot, window, width=80.0)

    window.redo_action.trigger()
    assert width.value() == 71.0
    wait_for_part(qtbot, window, width=71.0, height=40.0)
    assert window.undo_action.shortcut().matches(window.undo_action.shortcut()) and window.undo_action.isEnabled()
    window.close()


def test_a_broken_constraint_is_shown_next_to_every_field_it_names(qtbot):
    window = open_window(qtbot)
    wait_for_part(qtbot, window)
    form = window.parameter_form

    form.editor("width").setValue(25.0)
    form.editor("wall").setValue(5.0)  # four 5 mm walls and the lid's lip do not fit in 25 mm

    qtbot.waitUntil(lambda: form.field_problem("wall") is not None, timeout=5_000)
    assert "room inside" in form.field_problem("wall")
    for named in ("width", "depth", "lid_clearance"):
        assert "room inside" in form.field_problem(named)
    assert form.field_problem("corner_radius") is None and form.field_problem("height") is None
    assert window.status_text().startswith("Not built:")
    screenshot(qtbot, window, "parameters_constraint_problem")
    window.close()


def test_the_library_filters_by_words_process_and_tag(qtbot):
    window = open_window(qtbot)
    wait_for_part(qtbot, window)
    panel = window.design_panel
    everything = panel.visible_names()
    assert len(everything) >= 10

    panel.process.setCurrentIndex(panel.process.findData("laser"))
    laser = panel.visible_names()
    assert laser and all("laser" in t.processes for t in panel._templates if t.name in laser)
    assert "Storage box with lid" not in laser

    panel.process.setCurrentIndex(0)
    panel.search.setText("gear")
    assert [name.lower() for name in panel.visible_names()] == ["spur gear"] or all(
        "gear" in name.lower() for name in panel.visible_names())

    panel.search.clear()
    panel.tag.setCurrentIndex(panel.tag.findData("storage"))
    assert "Storage box with lid" in panel.visible_names() and len(panel.visible_names()) < len(everything)
    screenshot(qtbot, window, "library_filtered")

    panel.search.setText("no design is called this")
    assert panel.visible_names() == [] and panel._nothing_found.isVisible()
    window.close()


def test_sections_fold_and_keyboard_focus_moves_through_the_fields(qtbot):
    window = open_window(qtbot)
    wait_for_part(qtbot, window)
    form = window.parameter_form
    size = form.sections["Size"]
    size.header.click()
    assert not size.is_expanded() and not form.editor("width").isVisible()
    size.header.click()
    assert form.editor("width").isVisible()

    # Tab goes from spin box to spin box: the sliders beside them take no keyboard focus.
    from PySide6.QtCore import Qt

    from app.gui.number_field import NumberField

    fields = form.findChildren(NumberField)
    assert len(fields) == 6 and all(f.slider.focusPolicy() == Qt.FocusPolicy.NoFocus for f in fields)
    assert all(f.focusProxy() is f.spin for f in fields)
    assert form.editor("width").toolTip().startswith("Outside width of the box")
    assert "20 to 250 mm" in form.editor("width").toolTip()
    window.close()


def test_the_about_box_names_versions_and_licences(qtbot):
    from app.gui.about_dialog import AboutDialog

    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    names = [dialog.table.item(row, 0).text() for row in range(dialog.table.rowCount())]
    assert "PySide6-Essentials" in names and "vtk" in names
    licences = [dialog.table.item(row, 2).text() for row in range(dialog.table.rowCount())]
    assert all(licences)
    dialog.show()
    screenshot(qtbot, dialog, "about_box")


def test_a_preset_saved_from_the_form_loads_back_and_undo_returns_the_values_before(qtbot):
    window = open_window(qtbot)
    wait_for_part(qtbot, window)
    form = window.parameter_form
    form.editor("width").setValue(70.0)
    assert form.presets.save_as("seventy wide")
    assert "seventy wide" in form.presets.names()

    form.editor("width").setValue(90.0)
    wait_for_part(qtbot, window, width=90.0)
    form.presets.load("seventy wide")
    assert form.editor("width").value() == 70.0
    wait_for_part(qtbot, window, width=70.0)
    window.undo_action.trigger()
    assert form.editor("width").value() == 90.0

    assert not form.presets.save_as("../escape"), "a name that is not a plain name is refused"
    assert window.status_text().startswith("Preset not saved:")
    window.close()


def test_the_window_follows_a_dark_desktop(qtbot):
    """A desktop that turns dark hands Qt a dark palette (the style hints' colour scheme where the platform has
    one); the 3D view follows it."""
    from PySide6.QtGui import QColor, QGuiApplication, QPalette

    from app.gui.bed_view import DARK_BACKGROUND_BOTTOM

    window = open_window(qtbot)
    wait_for_part(qtbot, window)
    light = QGuiApplication.palette()
    dark = QPalette(QColor("#2b2b2b"), QColor("#353535"))
    dark.setColor(QPalette.ColorRole.WindowText, QColor("#e8e8e8"))
    dark.setColor(QPalette.ColorRole.Text, QColor("#e8e8e8"))
    dark.setColor(QPalette.ColorRole.ButtonText, QColor("#e8e8e8"))
    dark.setColor(QPalette.ColorRole.Base, QColor("#232323"))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        dark.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7a7a"))
    QGuiApplication.setPalette(dark)
    try:
        qtbot.waitUntil(lambda: window.bed_view.plotter.background_color == DARK_BACKGROUND_BOTTOM, timeout=5_000)
        screenshot(qtbot, window, "main_window_dark")
    finally:
        QGuiApplication.setPalette(light)
    qtbot.waitUntil(lambda: window.bed_view.plotter.background_color != DARK_BACKGROUND_BOTTOM, timeout=5_000)
    window.close()


def test_choosing_another_printer_redraws_the_bed_and_places_the_part_on_it(qtbot):
    import numpy as np

    window = open_window(qtbot)
    wait_for_part(qtbot, window)
    panel = window.fabricate_panel
    first_part = window.shown_part

    panel.printer.setCurrentIndex([panel.printer.itemData(i).id for i in range(panel.printer.count())]
                                  .index("prusa-mk4"))

    assert window.bed_view.bed_size == (250.0, 210.0)
    assert panel.material.currentData().id == "prusament-pla", "the printer's own material comes with it"
    qtbot.waitUntil(lambda: window.shown_part is not first_part and window.shown_part is not None, timeout=30_000)
    bounds = np.asarray(window.bed_view.part_actor.bounds)
    np.testing.assert_allclose((bounds[0] + bounds[1]) / 2, 125.0, atol=1e-6)
    np.testing.assert_allclose((bounds[2] + bounds[3]) / 2, 105.0, atol=1e-6)
    window.close()
