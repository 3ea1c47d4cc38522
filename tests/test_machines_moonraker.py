"""The Moonraker connector against a stand-in that follows Moonraker's published Web API request by request
(a real Moonraker needs a Klipper host and cannot run here)."""

from __future__ import annotations

import threading

import pytest

from app.machines.base import IDLE, PAUSED, PRINTING, AuthenticationFailed, DiskFull, PrinterBusy
from app.machines.http_api import UploadCancelled
from app.machines.moonraker import Moonraker
from app.machines.send import Program, send_program
from tests.machines.moonraker_stand_in import MoonrakerStandIn

PROGRAM = Program("plate-0123456789ab.gcode", b"G28\nG1 X10 Y10 F3000\n" * 100)


def test_probe_reads_versions_and_the_bed_from_the_toolhead_limits():
    with MoonrakerStandIn() as server:
        info = Moonraker(server.url).probe()
    assert info.firmware == "Klipper v0.12.0-stand-in, Moonraker v0.9.3-0-stand-in"
    assert info.bed_size_mm == (250.0, 250.0, 230.0)
    assert info.state == IDLE


def test_send_uploads_with_a_checksum_starts_once_and_follows_the_print():
    with MoonrakerStandIn(api_key="k" * 32) as server:
        connector = Moonraker(server.url, "k" * 32)
        result = send_program(connector, PROGRAM, start=True)
        assert result.upload.verified == "sha256" and server.files[PROGRAM.name] == PROGRAM.data
        assert server.count("POST", "/printer/print/start") == 1
        assert server.requests[-1].query == {"filename": PROGRAM.name}

        status = connector.status()
        assert (status.state, status.file, status.progress_pct) == (PRINTING, PROGRAM.name, 25.0)
        assert status.temperatures == {"tool0": (210.2, 210.0), "bed": (60.1, 60.0)}
        assert status.time_left_s == 30.0
        with pytest.raises(PrinterBusy, match="already printing this job"):
            send_program(connector, PROGRAM, start=True)
        assert server.count("POST", "/printer/print/start") == 1

        connector.pause()
        assert connector.status().state == PAUSED
        connector.resume()
        while (status := connector.status()).state == PRINTING:
            pass
        assert (status.state, status.progress_pct) == (IDLE, 100.0)
        with pytest.raises(PrinterBusy, match="cannot cancel now"):
            connector.cancel()


def test_an_upload_cut_off_is_sent_again_and_the_job_still_starts_once():
    with MoonrakerStandIn(drop_uploads=1) as server:
        send_program(Moonraker(server.url), PROGRAM, start=True)
        assert server.count("POST", "/server/files/upload") == 2
        assert server.count("POST", "/printer/print/start") == 1
        assert server.files == {PROGRAM.name: PROGRAM.data}


def test_a_server_that_asks_for_a_key_says_so():
    with MoonrakerStandIn(api_key="secret-key-0001") as server:
        with pytest.raises(AuthenticationFailed, match="asks for an API key"):
            Moonraker(server.url).probe()
        with pytest.raises(AuthenticationFailed, match="refused the API key"):
            Moonraker(server.url, "wrong-key-00000").probe()


def test_a_full_disk_is_found_before_uploading():
    with MoonrakerStandIn(free_bytes=100) as server:
        with pytest.raises(DiskFull, match="delete old files"):
            Moonraker(server.url).upload(PROGRAM.name, PROGRAM.data)
        assert server.count("POST", "/server/files/upload") == 0


def test_an_upload_can_be_cancelled_between_chunks():
    cancel = threading.Event()
    seen = []

    def cancel_after_first_chunk(done: int, total: int) -> None:
        seen.append(done)
        cancel.set()

    with MoonrakerStandIn() as server:
        with pytest.raises(UploadCancelled):
            Moonraker(server.url).upload("big.gcode", b"G1 X1\n" * 200_000, cancel_after_first_chunk, cancel)
        assert len(seen) == 1 and server.files == {}
