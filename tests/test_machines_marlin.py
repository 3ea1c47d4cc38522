"""Streaming to Marlin over USB serial, against a simulated Marlin on a pseudo-terminal that damages 1% of the
lines it receives, asks for resends and answers `busy:` now and then."""

from __future__ import annotations

import time

import pytest

from app.machines.base import IDLE, PAUSED, MachineTimeout, PrinterBusy, Unreachable
from app.machines.marlin_serial import CANCEL_COMMANDS, MarlinSerial, checksum, framed
from tests.machines.marlin_sim import SimulatedMarlin
from tests.machines.pty_device import PtyDevice


class SilentDevice(PtyDevice):
    """A serial device that takes everything and never answers (wrong baud rate, a board still booting)."""

    def handle(self, data: bytes) -> bytes:
        return b""


def moves(count: int) -> list[str]:
    return [f"G1 X{i % 200}.5 Y{(i * 7) % 200}.25 E{i * 0.01:.5f}" for i in range(count)]


def program(commands: list[str]) -> bytes:
    return "".join(f"{c} ; move {i}\n\n" for i, c in enumerate(commands)).encode("ascii")


def job_lines(firmware: SimulatedMarlin) -> list[str]:
    return [c for c in firmware.accepted if not c.startswith("M110")]


def test_a_line_is_framed_with_its_number_and_xor_checksum():
    assert checksum("N0 M110 N0") == 125  # the value every Marlin host sends for this line
    assert framed(0, "M110 N0") == b"N0 M110 N0*125\n"


def test_100000_lines_are_each_accepted_exactly_once_in_order_despite_damage_and_busy():
    commands = moves(100_000)
    with SimulatedMarlin(corrupt_share=0.01) as firmware:
        connector = MarlinSerial(firmware.path, response_timeout_s=5)
        data = program(commands)
        connector.upload("big.gcode", data)
        began = time.monotonic()
        connector.start("big.gcode")
        final = connector.wait(60)
        took = time.monotonic() - began
    assert job_lines(firmware) == commands
    assert firmware.corrupted > 500 and firmware.busy_sent > 100  # the damage really happened
    assert final.state == IDLE and final.progress_pct == 100.0
    assert connector.progress() == (100_000, 100_000, len(data), len(data))
    assert took < 20


def test_waiting_for_temperatures_is_not_a_timeout_and_is_reported():
    with SimulatedMarlin(corrupt_share=0.0) as firmware:
        connector = MarlinSerial(firmware.path, response_timeout_s=2)
        connector.upload("heat.gcode", b"M190 S60\nM109 S210 ; wait for the nozzle\nG28\n")
        connector.start("heat.gcode")
        final = connector.wait(10)
    assert job_lines(firmware) == ["M190 S60", "M109 S210", "G28"]
    assert final.temperatures == {"bed": (60.0, 60.0), "tool0": (210.0, 210.0)}


def test_pause_holds_the_stream_and_resume_finishes_it():
    commands = moves(60_000)
    with SimulatedMarlin() as firmware:
        connector = MarlinSerial(firmware.path, response_timeout_s=5)
        connector.upload("job.gcode", program(commands))
        connector.start("job.gcode")
        while connector.progress()[0] < 1000:
            time.sleep(0.01)
        connector.pause()
        time.sleep(0.3)
        held = connector.progress()[0]
        assert connector.status().state == PAUSED
        time.sleep(0.3)
        assert connector.progress()[0] == held < len(commands)
        with pytest.raises(PrinterBusy, match="already streaming"):
            connector.start("job.gcode")
        connector.resume()
        connector.wait(60)
    assert job_lines(firmware) == commands


def test_cancel_stops_streaming_and_turns_the_heaters_off():
    commands = moves(60_000)
    with SimulatedMarlin() as firmware:
        connector = MarlinSerial(firmware.path, response_timeout_s=5)
        connector.upload("job.gcode", program(commands))
        connector.start("job.gcode")
        while connector.progress()[0] < 1000:
            time.sleep(0.01)
        connector.cancel()
        final = connector.wait(10)
    accepted = job_lines(firmware)
    assert accepted[-len(CANCEL_COMMANDS):] == list(CANCEL_COMMANDS)
    streamed = accepted[:-len(CANCEL_COMMANDS)]
    assert 1000 <= len(streamed) < len(commands) and streamed == commands[:len(streamed)]
    assert final.message == "cancelled"


def test_probe_reads_the_firmware_name():
    with SimulatedMarlin(corrupt_share=0.0) as firmware:
        info = MarlinSerial(firmware.path).probe()
    assert (info.firmware, info.printer) == ("Marlin 2.1.2.4 (simulated)", "Test Printer")


def test_a_missing_device_is_unreachable_with_advice():
    with pytest.raises(Unreachable, match="check the USB cable"):
        MarlinSerial("/dev/no-such-printer").probe()


def test_a_device_that_never_answers_is_a_timeout_with_advice():
    with SilentDevice() as device, pytest.raises(MachineTimeout, match="check the baud rate"):
        MarlinSerial(device.path, connect_timeout_s=0.5).probe()


def test_a_port_in_use_by_a_streaming_job_cannot_be_opened_again():
    with SimulatedMarlin() as firmware:
        connector = MarlinSerial(firmware.path, response_timeout_s=5)
        connector.upload("job.gcode", program(moves(20_000)))
        connector.start("job.gcode")
        with pytest.raises(Unreachable, match="no other program"):
            MarlinSerial(firmware.path).probe()
        connector.wait(30)
