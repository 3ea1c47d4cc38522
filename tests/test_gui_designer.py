"""For designers: a template folder opened in the window shows its parameters, and its validation table says
which combinations are refused and why."""

from __future__ import annotations

import pytest

from tests.gui_helpers import BUILD_TIMEOUT_MS, open_window, screenshot, skip_without_display, wait_for_part

skip_without_display()

pytestmark = pytest.mark.gui

BLOCK_TEMPLATE = '''
[template]
id = "test-block"
name = "Test block"
version = "1.0.0"
author = "localfab tests"
licence = "CC0-1.0"
description = "A cube, refused at its largest size by a constraint."

[parameters.size]
type = "number"
default = 20.0
min = 5.0
max = 50.0
unit = "mm"
group = "Size"
help = "Edge length of the cube."

[[constraints]]
rule = "size < 50"
message = "A 50 mm cube is too large for this test"
'''

BLOCK_DESIGN = '''
import cadquery as cq


def build(*, size):
    return cq.Workplane("XY").box(size, size, size)
'''


@pytest.fixture
def block_folder(tmp_path):
    folder = tmp_path / "test-block"
    folder.mkdir()
    (folder / "template.toml").write_text(BLOCK_TEMPLATE, encoding="utf-8")
    (folder / "design.py").write_text(BLOCK_DESIGN, encoding="utf-8")
    return folder


def test_a_template_folder_opens_with_its_parameters_and_its_validation_table(qtbot, block_folder):
    window = open_window(qtbot)
    wait_for_part(qtbot, window)

    window.open_path(block_folder)
    wait_for_part(qtbot, window, size=20.0)
    assert window.shown_part.template.id == "test-block"
    assert window.parameter_form.editor("size").toolTip().startswith("Edge length of the cube.")
    assert "Test block" in window.design_panel.visible_names()

    dialog = window._open_validation()
    qtbot.addWidget(dialog)
    dialog.samples.setValue(0)
    dialog.run()
    qtbot.waitUntil(lambda: not dialog.running, timeout=BUILD_TIMEOUT_MS)

    rows = {case: (result, why) for case, result, why in dialog.rows()}
    assert set(rows) == {"defaults", "size at minimum", "size at maximum", "all at minimum", "all at maximum"}
    assert rows["defaults"][0] == "built" and rows["size at minimum"][0] == "built"
    assert rows["size at maximum"] == ("refused", rows["size at maximum"][1])
    assert "too large for this test" in rows["size at maximum"][1]
    assert dialog.summary.text().startswith("5 cases: 3 built, 2 refused")
    screenshot(qtbot, dialog, "designer_validation_table")
    window.close()
