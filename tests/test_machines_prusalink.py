"""The PrusaLink connector against a stand-in that follows PrusaLink's v1 OpenAPI document request by request
(no PrusaLink can run here without a Prusa printer)."""

from __future__ import annotations

import pytest

from app.machines.base import IDLE, PAUSED, PRINTING, AuthenticationFailed, DiskFull, PrinterBusy
from app.machines.prusalink import PrusaLink
from app.machines.send import Program, send_program
from tests.machines.prusalink_stand_in import PrusaLinkStandIn

PROGRAM = Program("plate-0123456789ab.gcode", b"G28\nG1 X10 Y10 F3000\n" * 100)
KEY = "pRuSaLiNkKeY1234"


def test_probe_names_the_printer_and_firmware():
    with PrusaLinkStandIn(api_key=KEY) as printer:
        info = PrusaLink(printer.url, KEY).probe()
    assert (info.firmware, info.printer, info.state) == ("PrusaLink (firmware 6.1.3+7898)", "MK4 in the shed", IDLE)


def test_send_uploads_without_print_after_upload_then_starts_once():
    with PrusaLinkStandIn(api_key=KEY) as printer:
        connector = PrusaLink(printer.url, KEY)
        result = send_program(connector, PROGRAM, start=True)
        assert (result.upload.verified, result.started) == ("size", True)
        assert printer.files[PROGRAM.name] == PROGRAM.data
        (headers,) = printer.upload_headers
        assert (headers["overwrite"], headers["print-after-upload"]) == ("?1", "?0")
        assert headers["content-type"] == "application/octet-stream"
        assert printer.count("POST", f"/api/v1/files/usb/{PROGRAM.name}") == 1

        status = connector.status()
        assert (status.state, status.file, status.progress_pct, status.time_left_s) == \
            (PRINTING, PROGRAM.name, 25.0, 30)
        assert status.temperatures == {"tool0": (214.9, 215.0), "bed": (59.5, 60.0)}
        with pytest.raises(PrinterBusy, match="already printing this job"):
            send_program(connector, PROGRAM, start=True)
        assert printer.count("POST", f"/api/v1/files/usb/{PROGRAM.name}") == 1

        connector.pause()
        assert connector.status().state == PAUSED
        connector.resume()
        connector.cancel()
        assert printer.state == "STOPPED" and connector.status().state == IDLE


def test_digest_authentication_with_user_and_password():
    with PrusaLinkStandIn(digest=("maker", "s3cret-pass")) as printer:
        connector = PrusaLink(printer.url, "maker:s3cret-pass")
        assert connector.probe().printer == "MK4 in the shed"
        send_program(connector, PROGRAM, start=False)
        assert printer.files[PROGRAM.name] == PROGRAM.data
        with pytest.raises(AuthenticationFailed):
            PrusaLink(printer.url, "maker:wrong").probe()


def test_a_wrong_key_and_a_full_disk_are_typed_errors():
    with PrusaLinkStandIn(api_key=KEY, free_bytes=10) as printer:
        with pytest.raises(AuthenticationFailed, match="refused the API key"):
            PrusaLink(printer.url, "nope").status()
        with pytest.raises(DiskFull, match="delete old files"):
            PrusaLink(printer.url, KEY).upload(PROGRAM.name, PROGRAM.data)
        assert printer.upload_headers == []
