"""Send from the window: a printer added in Settings → Printers answers "Test connection", and the sliced box
is uploaded to it with progress, started, and its status shown. The printer is the Moonraker stand-in of the
connector tests (tests/machines)."""

from __future__ import annotations

import pytest

from tests.gui_helpers import SLICE_TIMEOUT_MS, open_window, screenshot, skip_without_display, wait_for_part
from tests.machines.moonraker_stand_in import MoonrakerStandIn

skip_without_display()

pytestmark = pytest.mark.gui

ANSWER_TIMEOUT_MS = 20_000


def test_a_printer_is_added_tested_and_sent_the_sliced_box(qtbot):
    window = open_window(qtbot)
    wait_for_part(qtbot, window)
    assert not window.fabricate_panel.send_button.isEnabled(), "nothing to send before slicing"
    window.fabricate_panel.slice_button.click()
    qtbot.waitUntil(lambda: window.sliced is not None, timeout=SLICE_TIMEOUT_MS)
    assert window.fabricate_panel.send_button.isEnabled()

    with MoonrakerStandIn() as server:
        printers = window.open_printers()
        qtbot.addWidget(printers)
        printers.name.setText("voron")
        printers.connector.setCurrentText("moonraker")
        printers.address.setText(server.url)
        assert printers.save()
        printers.test_connection()
        qtbot.waitUntil(lambda: printers.result_text().startswith(("Connected", "No answer")),
                        timeout=ANSWER_TIMEOUT_MS)
        assert printers.result_text().startswith("Connected:"), printers.result_text()
        screenshot(qtbot, printers, "printers_dialog")

        window.fabricate_panel.send_button.click()
        sender = window._send_dialog
        qtbot.addWidget(sender)
        assert sender.printer.currentData().name == "voron"
        sender.start.setChecked(True)
        sender.send()
        qtbot.waitUntil(lambda: not sender.running, timeout=ANSWER_TIMEOUT_MS)

        assert "Uploaded" in sender.result_text() and "printing started" in sender.result_text(), \
            sender.result_text()
        assert "The printer is printing" in sender.result_text()
        assert len(server.files) == 1
        sent = next(iter(server.files.values()))
        assert sent == window.sliced.program.gcode.encode("utf-8")
        screenshot(qtbot, sender, "send_dialog")
    window.close()


def test_a_printer_that_does_not_answer_is_explained(qtbot):
    from app.gui.printers_dialog import PrintersDialog

    dialog = PrintersDialog()
    qtbot.addWidget(dialog)
    dialog.name.setText("nowhere")
    dialog.connector.setCurrentText("moonraker")
    dialog.address.setText("127.0.0.1:9")  # the discard port: nothing listens there
    dialog.test_connection()
    qtbot.waitUntil(lambda: dialog.result_text().startswith(("Connected", "No answer")), timeout=ANSWER_TIMEOUT_MS)
    assert dialog.result_text().startswith("No answer:")
    dialog.name.setText("bad name!")
    assert not dialog.save() and dialog.result_text().startswith("Not saved:")
