"""Streaming to GRBL over USB serial, against a simulated GRBL with a 128-byte receive buffer."""

from __future__ import annotations

import time

import pytest

from app.machines.base import IDLE, MachineError, WrongAddress
from app.machines.grbl_serial import GrblSerial, error_message
from tests.machines.grbl_sim import SimulatedGrbl
from tests.machines.pty_device import PtyDevice


class SilentDevice(PtyDevice):
    """A serial device that never answers."""

    def handle(self, data: bytes) -> bytes:
        return b""


def cuts(count: int) -> list[str]:
    return [f"G1 X{i % 300}.125 Y{(i * 3) % 200}.5 F1200" for i in range(count)]


def test_the_stream_fills_the_128_byte_buffer_but_never_overflows_it():
    commands = cuts(20_000)
    data = "".join(f"{c} (cut {i})\n" for i, c in enumerate(commands)).encode("ascii")
    with SimulatedGrbl() as machine:
        connector = GrblSerial(machine.path, response_timeout_s=5)
        connector.upload("panel.nc", data)
        connector.start("panel.nc")
        final = connector.wait(60)
    assert machine.executed == commands
    assert not machine.overflowed and machine.max_fill <= 127
    assert machine.max_fill > 100  # the streamer keeps the buffer full rather than sending line by line
    assert final.state == IDLE and final.progress_pct == 100.0
    assert machine.status_queries > 0


def test_feed_hold_stops_the_machine_and_cycle_start_resumes():
    commands = cuts(3_000)
    with SimulatedGrbl(line_time_s=0.0005) as machine:
        connector = GrblSerial(machine.path, response_timeout_s=5)
        connector.upload("panel.nc", "\n".join(commands).encode())
        connector.start("panel.nc")
        while connector.progress()[0] < 200:
            time.sleep(0.01)
        connector.pause()
        time.sleep(0.2)
        held = len(machine.executed)
        time.sleep(0.3)
        assert len(machine.executed) == held and machine.state == "Hold:0"
        assert connector.status().message == "GRBL Hold"  # from GRBL's own `?` report
        connector.resume()
        connector.wait(30)
    assert machine.executed == commands


def test_cancel_holds_then_resets():
    with SimulatedGrbl(line_time_s=0.0005) as machine:
        connector = GrblSerial(machine.path, response_timeout_s=5)
        connector.upload("panel.nc", "\n".join(cuts(5_000)).encode())
        connector.start("panel.nc")
        while connector.progress()[0] < 100:
            time.sleep(0.01)
        connector.cancel()
        final = connector.wait(10)
        time.sleep(0.1)
        assert machine.state == "Idle" and not machine.buffer
    assert final.message == "cancelled" and len(machine.executed) < 5_000


def test_an_error_code_becomes_a_message_and_holds_the_job():
    commands = cuts(50)
    commands[20] = "G5 X1"
    with SimulatedGrbl(refuse="G5 X1") as machine:
        connector = GrblSerial(machine.path, response_timeout_s=5)
        connector.upload("bad.nc", "\n".join(commands).encode())
        connector.start("bad.nc")
        with pytest.raises(MachineError, match=r"GRBL error 20: unsupported or invalid G-code command at line 21"):
            connector.wait(10)
    assert machine.state == "Hold:0"


def test_alarm_codes_read_as_advice():
    assert error_message("ALARM:1") == ("GRBL alarm 1: a hard limit switch triggered: position is lost, home the "
                                        "machine again")
    assert "see the GRBL documentation" in error_message("error:99")


def test_probe_reads_version_state_and_travel():
    with SimulatedGrbl() as machine:
        info = GrblSerial(machine.path).probe()
    assert info.firmware == "GRBL 1.1h.20190825"
    assert info.bed_size_mm == (300.0, 200.0, 50.0)
    assert info.state == "idle"


def test_a_board_that_restarts_as_the_port_opens_is_waited_for():
    commands = cuts(500)
    with SimulatedGrbl(boot_s=0.8) as machine:
        connector = GrblSerial(machine.path, response_timeout_s=5, connect_timeout_s=5)
        connector.upload("panel.nc", "\n".join(commands).encode())
        connector.start("panel.nc")
        connector.wait(30)
    assert machine.executed == commands


def test_a_device_that_is_not_grbl_is_a_wrong_address():
    with SilentDevice() as device, pytest.raises(WrongAddress, match="does not answer as GRBL does"):
        GrblSerial(device.path, connect_timeout_s=0.5).probe()
