"""USB serial to Marlin firmware (and firmware that speaks its protocol): every line numbered and check-summed,
a bounded window of lines in flight each answered by `ok`, resend requests, `busy:` keep-alives and
temperature reports while the firmware waits for its heaters.

The protocol as the firmware speaks it: a line `N<n> <command>*<checksum>` (checksum: XOR of every byte
before `*`) is accepted only if n is the last accepted number plus one. A damaged or out-of-order line is
answered `Error:...`, `Resend: <last + 1>` and `ok`, so every line sent gets exactly one `ok`; that is what
the window counts. Lines already in flight behind a damaged one are each refused the same way, so after
rewinding, as many further requests for the same line are expected and not obeyed again.
"""

from __future__ import annotations

import re
import time
from collections import deque

import serial

from app.machines.base import IDLE, MachineError, MachineInfo, MachineTimeout, WrongAddress
from app.machines.serial_link import CONNECT_TIMEOUT_S, Command, LineReader, SerialJob, open_port

WINDOW_LINES = 4
HANDSHAKE_TRY_S = 2.0
# After a cancel the heaters and fan go off and the motors are released (G-code every Marlin knows).
CANCEL_COMMANDS = ("M104 S0", "M140 S0", "M107", "M84")
_RESEND = re.compile(r"^(?:Resend:|rs)\s*N?(\d+)", re.IGNORECASE)
_TEMPERATURE = re.compile(r"\b(T\d?|B|C):\s*(-?[\d.]+)\s*(?:/\s*(-?[\d.]+))?")
_HALTED = ("halted", "kill", "maxtemp", "mintemp", "thermal runaway", "heating failed", "emergency")
_HEATERS = {"T": "tool0", "B": "bed", "C": "chamber"}


def checksum(text: str) -> int:
    value = 0
    for byte in text.encode("ascii"):
        value ^= byte
    return value


def framed(number: int, command: str) -> bytes:
    """The line as sent: `N<number> <command>*<checksum>` and a newline."""
    body = f"N{number} {command}"
    return f"{body}*{checksum(body)}\n".encode("ascii")


class MarlinSerial(SerialJob):
    kind = "marlin"

    def __init__(self, device: str, baud: int = 115200, response_timeout_s: float = 30.0,
                 connect_timeout_s: float = CONNECT_TIMEOUT_S, window: int = WINDOW_LINES) -> None:
        super().__init__(device, baud, response_timeout_s, connect_timeout_s)
        self.window = window

    def probe(self) -> MachineInfo:
        port = open_port(self.device, self.baud)
        try:
            reader = LineReader(port)
            self._handshake(port, reader)
            port.write(framed(1, "M115"))
            firmware, printer = "", "Marlin printer"
            while not (line := self._next_line(reader, "M115")).startswith("ok"):
                if line.startswith("FIRMWARE_NAME:"):
                    fields = dict(re.findall(r"([A-Z_]+):(.*?)(?=\s+[A-Z_]+:|$)", line))
                    firmware = fields.get("FIRMWARE_NAME", "").strip()
                    printer = fields.get("MACHINE_TYPE", printer).strip()
            if not firmware:
                raise WrongAddress(f"the device on {self.device} answers, but not as Marlin firmware does (no "
                                   "FIRMWARE_NAME in its M115 reply): check the connector kind and baud rate")
            return MachineInfo(connector=self.kind, firmware=firmware, printer=printer, state=IDLE)
        finally:
            port.close()

    def _strip_comment(self, line: str) -> str:
        return line.split(";", 1)[0]

    def _handshake(self, port: serial.Serial, reader: LineReader) -> None:
        """Set the line numbers to 0. The board may be restarting as the port opens, so `M110` (harmless to
        repeat) is sent again until an `ok` comes or the connect time is over."""
        deadline = time.monotonic() + self.connect_timeout_s
        while time.monotonic() < deadline:
            port.reset_input_buffer()
            port.write(framed(0, "M110 N0"))
            while (line := reader.read_line(min(HANDSHAKE_TRY_S, self.connect_timeout_s))) is not None:
                if line.startswith("ok"):
                    return
        raise MachineTimeout(f"no answer from a Marlin printer on {self.device} at {self.baud} baud: check the "
                             "baud rate (often 115200 or 250000) and that the printer is on")

    def _next_line(self, reader: LineReader, waiting_for: str) -> str:
        line = reader.read_line(self.response_timeout_s)
        if line is None:
            raise MachineTimeout(f"the printer on {self.device} stopped answering ({waiting_for}) for "
                                 f"{self.response_timeout_s:.0f} s: check it; the job is incomplete")
        return line

    def _stream(self, port: serial.Serial, commands: list[Command]) -> None:
        reader = LineReader(port)
        self._handshake(port, reader)
        texts = [c.text for c in commands]
        job_lines = len(texts)  # lines of the program itself (fewer once cancelled), as progress counts them
        in_flight: deque[int] = deque()  # numbers of lines sent and not yet answered `ok`, oldest first
        next_number = 1  # line N carries texts[N - 1]
        accepted = 0  # highest line number the firmware accepted
        refusals_pending = 0  # `ok`s still to come for lines the firmware refused
        stale_requests = 0  # resend requests still to come for lines sent before the last rewind
        cancel_appended = False
        while accepted < len(texts) or in_flight:
            if self._cancelled.is_set() and not cancel_appended:
                # Lines already sent stay (the firmware may ask for them again); the rest give way.
                job_lines = next_number - 1
                del texts[job_lines:]
                texts += CANCEL_COMMANDS
                cancel_appended = True
            while len(in_flight) < self.window and next_number <= len(texts) and not self._paused.is_set():
                self._write(framed(next_number, texts[next_number - 1]))
                in_flight.append(next_number)
                next_number += 1
            if accepted >= len(texts) and not in_flight:
                break
            line = reader.read_line(self.response_timeout_s if in_flight else 0.1)
            if line is None:
                if in_flight:
                    raise MachineTimeout(f"the printer on {self.device} stopped answering for "
                                         f"{self.response_timeout_s:.0f} s at line {in_flight[0]}: check it; the "
                                         "job is incomplete")
                continue
            if line.startswith("ok"):
                if not in_flight:
                    continue
                number = in_flight.popleft()
                if refusals_pending:
                    refusals_pending -= 1
                elif number == accepted + 1:
                    accepted = number
                    if number <= job_lines:
                        self._set_done(number)
                self._read_temperatures(line)
            elif match := _RESEND.match(line):
                refusals_pending += 1
                if stale_requests:
                    stale_requests -= 1
                    continue
                wanted = int(match.group(1))
                if wanted != accepted + 1:
                    raise MachineError(f"the printer on {self.device} asked for line {wanted}, but line "
                                       f"{accepted + 1} is the next it needs: the connection is unreliable; "
                                       "the job stopped")
                stale_requests = sum(1 for n in in_flight if n > wanted)
                next_number = wanted
            elif line.lower().startswith(("error", "!!")) and not _resend_noise(line):
                if any(word in line.lower() for word in _HALTED):
                    raise MachineError(f"the printer on {self.device} halted: {line}. Check it before printing "
                                       "again")
                self._message = line
            elif line == "start":
                raise MachineError(f"the printer on {self.device} restarted in the middle of the job: check its "
                                   "power supply and cable; the job is incomplete")
            else:  # busy keep-alives, temperature reports while heating, echo lines: the printer is alive
                self._read_temperatures(line)
        if cancel_appended:
            self._message = "cancelled"

    def _read_temperatures(self, line: str) -> None:
        for heater, actual, target in _TEMPERATURE.findall(line):
            name = _HEATERS.get(heater[0], heater)
            if heater[0] == "T" and heater[1:]:
                name = f"tool{heater[1:]}"
            previous_target = self._temperatures.get(name, (0.0, 0.0))[1]
            self._temperatures[name] = (float(actual), float(target) if target else previous_target)


def _resend_noise(line: str) -> bool:
    """The errors that come with a resend request (a damaged or out-of-order line), already handled."""
    text = line.lower()
    return "checksum" in text or "line number" in text
