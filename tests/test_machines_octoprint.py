"""The OctoPrint connector against a real OctoPrint (installed from PyPI into a cached virtual environment,
see tests/machines/octoprint_server.py) with its built-in virtual printer, on 127.0.0.1."""

from __future__ import annotations

import hashlib
import os
import signal
import threading
import time
from pathlib import Path

import pytest
import requests

from app.machines.base import (
    IDLE,
    PAUSED,
    PRINTING,
    AuthenticationFailed,
    FileRejected,
    PrinterBusy,
    Unreachable,
)
from app.machines.octoprint import OctoPrint
from app.machines.send import Program, read_program, send_program
from tests.machines.octoprint_server import OctoPrintServer, free_port, start_server

SHORT_PRINT = Path(__file__).parent / "machines" / "short_print.gcode"


@pytest.fixture(scope="session")
def octoprint(tmp_path_factory: pytest.TempPathFactory) -> OctoPrintServer:
    server = start_server(tmp_path_factory.mktemp("octoprint") / "base")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def localfab_gcode() -> bytes:
    """A real program from localfab's slicer: a 10 x 10 x 1 mm plate with the default printer."""
    import trimesh

    from app.profiles import resolve_fdm_setup
    from slicing.fdm import slice_mesh
    from slicing.fdm.settings import FdmSettings

    mesh = trimesh.creation.box((10.0, 10.0, 1.0))
    mesh.apply_translation((100.0, 100.0, 0.5))
    return slice_mesh(mesh, FdmSettings.from_mapping(resolve_fdm_setup().settings)).gcode.encode("utf-8")


def wait_for(connector: OctoPrint, states: tuple[str, ...], timeout_s: float) -> object:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = connector.status()
        if status.state in states:
            return status
        time.sleep(0.2)
    raise AssertionError(f"still {connector.status()} after {timeout_s} s")


def test_probe_names_the_server_the_bed_and_the_state(octoprint):
    info = OctoPrint(octoprint.url, octoprint.api_key).probe()
    assert info.firmware == "OctoPrint 1.11.8"
    assert info.bed_size_mm == (200.0, 200.0, 200.0)  # the virtual printer's default profile
    assert info.state == IDLE


def test_an_upload_of_a_localfab_program_arrives_whole_and_is_verified(octoprint, localfab_gcode):
    connector = OctoPrint(octoprint.url, octoprint.api_key)
    reported = []
    result = connector.upload("plate.gcode", localfab_gcode,
                              progress=lambda done, total: reported.append((done, total)))
    assert (result.name, result.size, result.verified) == ("plate.gcode", len(localfab_gcode), "sha1")
    assert reported and reported[-1][0] == reported[-1][1] >= len(localfab_gcode)  # the request body
    stored = requests.get(f"{octoprint.url}/downloads/files/local/plate.gcode",
                          headers={"X-Api-Key": octoprint.api_key}, timeout=10).content
    assert hashlib.sha256(stored).digest() == hashlib.sha256(localfab_gcode).digest()


def test_send_start_pause_resume_and_poll_until_the_virtual_printer_finishes(octoprint):
    connector = OctoPrint(octoprint.url, octoprint.api_key)
    program = read_program(SHORT_PRINT)
    result = send_program(connector, program, start=True)
    assert result.started and result.upload.name == program.name

    status = wait_for(connector, (PRINTING,), 15)
    assert status.file == program.name
    with pytest.raises(PrinterBusy, match="already printing this job"):
        send_program(connector, program, start=True)
    with pytest.raises(PrinterBusy, match="another job|printing"):
        send_program(connector, Program("other.gcode", b"G28\n"), start=True)

    connector.pause()
    wait_for(connector, (PAUSED,), 15)
    connector.resume()
    wait_for(connector, (PRINTING,), 15)

    final = wait_for(connector, (IDLE,), 90)
    assert final.file == program.name
    assert final.progress_pct == 100.0
    assert "bed" in final.temperatures and "tool0" in final.temperatures
    job = requests.get(f"{octoprint.url}/api/job", headers={"X-Api-Key": octoprint.api_key}, timeout=10).json()
    assert job["state"] == "Operational" and job["job"]["file"]["name"] == program.name


def test_cancel_stops_a_running_print(octoprint):
    connector = OctoPrint(octoprint.url, octoprint.api_key)
    send_program(connector, read_program(SHORT_PRINT), start=True)
    wait_for(connector, (PRINTING,), 15)
    connector.cancel()
    final = wait_for(connector, (IDLE,), 30)
    assert final.progress_pct is None or final.progress_pct < 100.0
    with pytest.raises(PrinterBusy, match="no print is running"):
        connector.cancel()


def test_a_file_octoprint_does_not_take_is_rejected_with_its_reason(octoprint):
    with pytest.raises(FileRejected, match="invalid type"):
        OctoPrint(octoprint.url, octoprint.api_key).upload("notes.exe", b"MZ")


def test_a_wrong_key_is_an_authentication_error(octoprint):
    with pytest.raises(AuthenticationFailed, match="refused the API key"):
        OctoPrint(octoprint.url, "0" * 32).probe()


def test_a_wrong_port_is_unreachable():
    with pytest.raises(Unreachable, match="check that the machine and its server are running"):
        OctoPrint(f"127.0.0.1:{free_port()}", "key").probe()


def test_a_server_stopped_mid_upload_is_a_typed_error_not_a_hang(tmp_path):
    server = start_server(tmp_path / "base")
    try:
        connector = OctoPrint(server.url, server.api_key)
        stopped = threading.Event()

        def stop_halfway(done: int, total: int) -> None:
            if done > total // 2 and not stopped.is_set():
                os.killpg(server.process.pid, signal.SIGKILL)
                server.process.wait(10)
                stopped.set()

        began = time.monotonic()
        with pytest.raises(Unreachable):
            connector.upload("big.gcode", b"G1 X1 Y1\n" * 4_000_000, progress=stop_halfway)
        assert stopped.is_set()
        assert time.monotonic() - began < 30
    finally:
        server.stop()


def test_the_cli_adds_tests_sends_and_shows_status_of_an_octoprint(octoprint, tmp_path, capsys, monkeypatch):
    from app.cli import main

    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(octoprint.api_key + "\n"))
    assert main(["printers", "add", "virtual", "--connector", "octoprint", "--address", octoprint.url,
                 "--api-key", "-"]) == 0
    assert main(["printers", "test", "virtual"]) == 0
    assert "OctoPrint 1.11.8" in capsys.readouterr().out
    recipe_free = tmp_path / "part.gcode"
    recipe_free.write_bytes(SHORT_PRINT.read_bytes())
    assert main(["send", str(recipe_free), "--to", "virtual", "--json"]) == 0
    sent = __import__("json").loads(capsys.readouterr().out)
    assert sent["started"] is False and sent["verified"] == "sha1" and sent["file"].startswith("part-")
    assert main(["status", "virtual"]) == 0
    assert capsys.readouterr().out.startswith("virtual: idle")
    assert octoprint.api_key not in (tmp_path / "part.gcode").read_text()
