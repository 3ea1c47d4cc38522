"""A simulated Marlin firmware on a pseudo-terminal, written for the tests.

It checks line numbers and checksums as Marlin does, damages a share of the lines it receives (as line
noise would) and asks for them again, answers `echo:busy: processing` now and then, reports temperatures
while it waits for its heaters (M109, M190), and records every command it accepts.
"""

from __future__ import annotations

import random
import re

from .pty_device import PtyDevice

_LINE = re.compile(rb"^N(\d+) (.*)\*(\d+)$")


class SimulatedMarlin(PtyDevice):
    def __init__(self, corrupt_share: float = 0.01, busy_share: float = 0.005, seed: int = 7) -> None:
        super().__init__()
        self.random = random.Random(seed)
        self.corrupt_share = corrupt_share
        self.busy_share = busy_share
        self.accepted: list[str] = []  # commands accepted, in order (M110 handshakes included)
        self.corrupted = 0
        self.busy_sent = 0
        self.last_number = 0
        self._pending = b""

    def handle(self, data: bytes) -> bytes:
        lines = (self._pending + data).split(b"\n")
        self._pending = lines.pop()
        return b"".join(self._answer(line.rstrip(b"\r")) for line in lines if line.strip())

    def _answer(self, line: bytes) -> bytes:
        if self.random.random() < self.corrupt_share:
            self.corrupted += 1
            position = self.random.randrange(len(line))
            line = line[:position] + bytes([line[position] ^ 0x20]) + line[position + 1:]
        match = _LINE.match(line)
        if match is None:
            return self._refuse(b"Error:No Checksum with line number, Last Line: %d" % self.last_number)
        number, command, check = int(match.group(1)), match.group(2), int(match.group(3))
        body = line[:line.rindex(b"*")]
        value = 0
        for byte in body:
            value ^= byte
        if value != check:
            return self._refuse(b"Error:checksum mismatch, Last Line: %d" % self.last_number)
        if number != self.last_number + 1 and not command.startswith(b"M110"):
            return self._refuse(b"Error:Line Number is not Last Line Number+1, Last Line: %d" % self.last_number)
        self.last_number = number
        text = command.decode("ascii")
        self.accepted.append(text)
        reply = b""
        if self.random.random() < self.busy_share:
            self.busy_sent += 1
            reply += b"echo:busy: processing\n"
        if text.startswith(("M109", "M190")):
            target = float(re.search(r"S([\d.]+)", text).group(1))
            heater = b"T" if text.startswith("M109") else b"B"
            reply += b"".join(b" %s:%.2f /%.2f\n" % (heater, target * k / 3, target) for k in (1, 2, 3))
        if text.startswith("M115"):
            reply += (b"FIRMWARE_NAME:Marlin 2.1.2.4 (simulated) SOURCE_CODE_URL:github.com/MarlinFirmware/Marlin "
                      b"PROTOCOL_VERSION:1.0 MACHINE_TYPE:Test Printer EXTRUDER_COUNT:1\n")
        return reply + b"ok\n"

    def _refuse(self, error: bytes) -> bytes:
        return error + b"\nResend: %d\nok\n" % (self.last_number + 1)
