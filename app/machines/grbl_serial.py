"""USB serial to GRBL (1.1) for CNC routers and lasers: character-counting streaming, `?` status reports,
feed hold and resume, and alarm and error codes turned into messages.

GRBL answers every line with `ok` or `error:<code>` once it has taken the line out of its receive buffer
(RX_BUFFER_SIZE, 128 bytes by default, of which 127 are usable). The host keeps the count of bytes sent and not
yet answered and sends a line only if it still fits, which keeps the buffer full without overflowing it.
Real-time commands (`?` status, `!` feed hold, `~` cycle start, Ctrl-X reset) bypass the buffer.
"""

from __future__ import annotations

import re
import time
from collections import deque

import serial

from app.machines.base import IDLE, MachineError, MachineInfo, MachineTimeout, WrongAddress
from app.machines.serial_link import CONNECT_TIMEOUT_S, Command, LineReader, SerialJob, open_port

RX_BUFFER_BYTES = 128
STATUS_EVERY_S = 0.5
QUERY_TIMEOUT_S = 5.0
HOLD_SETTLE_S = 0.2
READY_TRY_S = 0.5
STATUS_QUERY, FEED_HOLD, CYCLE_START, SOFT_RESET = b"?", b"!", b"~", b"\x18"

# GRBL 1.1's documented codes (doc/csv/error_codes_en_US.csv and alarm_codes_en_US.csv in gnea/grbl).
ERRORS = {
    1: "a G-code word has no letter", 2: "a number is missing or malformed", 3: "unknown '$' command",
    4: "a negative value where a positive one is needed", 5: "homing is not enabled in the settings",
    8: "'$' commands only work when GRBL is idle", 9: "G-code is locked out during an alarm or jog",
    11: "the line is too long", 15: "the jog target is beyond the machine's travel",
    16: "the jog command is invalid", 20: "unsupported or invalid G-code command",
    21: "two commands of the same modal group in one line", 22: "the feed rate is not set",
    23: "a command value must be an integer", 24: "two commands in one line both need axis words",
    25: "a word is repeated in the line", 26: "the command needs axis words and has none",
    27: "the line number is invalid", 28: "a required value is missing", 29: "G59.x is not supported",
    30: "G53 only works with G0 and G1", 31: "axis words where no command uses them",
    32: "an arc needs at least one in-plane axis word", 33: "the motion target is invalid",
    34: "the arc radius is invalid", 35: "an arc needs at least one in-plane offset word",
    36: "unused value words in the line", 37: "G43.1 tool offset is not on the tool length axis",
    38: "the tool number is too large",
}
ALARMS = {
    1: "a hard limit switch triggered: position is lost, home the machine again",
    2: "the motion target is beyond the machine's travel (soft limit): position kept, unlock with $X",
    3: "reset while moving: position may be lost, home the machine again",
    4: "probe fail: the probe was not in the expected state before probing",
    5: "probe fail: the probe did not touch within the programmed travel",
    6: "homing fail: reset during homing", 7: "homing fail: the safety door opened during homing",
    8: "homing fail: the limit switch did not clear when pulling off",
    9: "homing fail: the limit switch was not found within the search distance",
}
_TRAVEL = re.compile(r"^\$13([012])=([\d.]+)")


def error_message(line: str) -> str:
    """A person's message for GRBL's `error:N` or `ALARM:N` line."""
    kind, _, code = line.partition(":")
    table = ALARMS if kind.upper() == "ALARM" else ERRORS
    number = int(code) if code.strip().isdigit() else -1
    return f"GRBL {kind.lower()} {code}: {table.get(number, 'see the GRBL documentation for this code')}"


class GrblSerial(SerialJob):
    kind = "grbl"

    def __init__(self, device: str, baud: int = 115200, response_timeout_s: float = 30.0,
                 connect_timeout_s: float = CONNECT_TIMEOUT_S, rx_buffer_bytes: int = RX_BUFFER_BYTES) -> None:
        super().__init__(device, baud, response_timeout_s, connect_timeout_s)
        self.rx_buffer_bytes = rx_buffer_bytes

    def probe(self) -> MachineInfo:
        """The version (`$I`), the state (`?`) and the travel of X, Y, Z ($130-$132, mm) as the bed size."""
        port = open_port(self.device, self.baud)
        try:
            reader = LineReader(port)
            state = self._wait_until_ready(port, reader)
            version, travel = "", {}
            for query in (b"$I\n", b"$$\n"):
                port.write(query)
                while (line := reader.read_line(QUERY_TIMEOUT_S)) is not None and \
                        not line.startswith(("ok", "error")):
                    if line.startswith("[VER:"):
                        version = line[5:].split(":")[0].rstrip("]")
                    elif match := _TRAVEL.match(line):
                        travel[int(match.group(1))] = float(match.group(2))
            bed = (travel[0], travel[1], travel[2]) if len(travel) == 3 else None
            return MachineInfo(connector=self.kind, firmware=f"GRBL {version}".strip(), printer="GRBL machine",
                               state=state.lower() or IDLE, bed_size_mm=bed)
        finally:
            port.close()

    def _wait_until_ready(self, port: serial.Serial, reader: LineReader) -> str:
        """GRBL's state once it answers. Opening the port restarts most boards, and what is sent while they
        boot is lost, so the status query (harmless, outside the buffer) is repeated until a report or the
        greeting comes."""
        deadline = time.monotonic() + self.connect_timeout_s
        while time.monotonic() < deadline:
            port.write(STATUS_QUERY)
            while (line := reader.read_line(READY_TRY_S)) is not None:
                if line.startswith("<"):
                    return _report_state(line)
                if line.startswith("Grbl "):
                    port.write(STATUS_QUERY)
        raise WrongAddress(f"the device on {self.device} does not answer as GRBL does: check the connector kind "
                           "and the baud rate, and that the machine is on")

    def _strip_comment(self, line: str) -> str:
        return re.sub(r"\([^)]*\)", "", line.split(";", 1)[0])

    def _on_control(self, action: str) -> None:
        if action == "pause":
            self._write(FEED_HOLD)
        elif action == "resume":
            self._write(CYCLE_START)
        else:  # hold at once so the axes decelerate and keep their position; the stream then resets
            self._write(FEED_HOLD)

    def _stream(self, port: serial.Serial, commands: list[Command]) -> None:
        reader = LineReader(port)
        self._wait_until_ready(port, reader)
        pending: deque[int] = deque()  # byte counts of lines sent and not yet answered, oldest first
        buffered = 0
        sent = answered = 0
        last_query = 0.0
        last_heard = time.monotonic()
        while answered < len(commands):
            if self._cancelled.is_set():
                self._reset_after_hold(reader)
                return
            while sent < len(commands) and not self._paused.is_set():
                line = (commands[sent].text + "\n").encode("ascii")
                if buffered + len(line) > self.rx_buffer_bytes - 1:
                    break
                self._write(line)
                pending.append(len(line))
                buffered += len(line)
                sent += 1
            now = time.monotonic()
            if now - last_query >= STATUS_EVERY_S:
                self._write(STATUS_QUERY)
                last_query = now
            reply = reader.read_line(0.05)
            if reply is None:
                if time.monotonic() - last_heard > self.response_timeout_s:
                    raise MachineTimeout(f"GRBL on {self.device} stopped answering for "
                                         f"{self.response_timeout_s:.0f} s: check the machine; the job is "
                                         "incomplete")
                continue
            last_heard = time.monotonic()
            if reply == "ok":
                buffered -= pending.popleft()
                answered += 1
                self._set_done(answered)
            elif reply.startswith(("error:", "ALARM:")):
                self._write(FEED_HOLD)  # a skipped line leaves the tool somewhere else than the program thinks
                where = f" at line {answered + 1} ({commands[answered].text})" if reply.startswith("error") else ""
                raise MachineError(f"{error_message(reply)}{where}; the job was held: check the machine")
            elif reply.startswith("<"):
                self._message = f"GRBL {_report_state(reply)}"
            elif reply.startswith("Grbl "):
                raise MachineError(f"GRBL on {self.device} restarted in the middle of the job; the job is "
                                   "incomplete: home the machine before starting again")

    def _reset_after_hold(self, reader: LineReader) -> None:
        """Drop GRBL's queue once the held axes have stopped, and wait for it to greet again."""
        time.sleep(HOLD_SETTLE_S)
        self._write(SOFT_RESET)
        deadline = time.monotonic() + QUERY_TIMEOUT_S
        while time.monotonic() < deadline:
            line = reader.read_line(0.1)
            if line is not None and line.startswith("Grbl "):
                self._message = "cancelled"
                return
        raise MachineTimeout(f"GRBL on {self.device} did not restart after the cancel: switch the machine off "
                             "and on before using it again")


def _report_state(report: str) -> str:
    """`Idle` from `<Idle|MPos:...>` (1.1) or `<Idle,MPos:...>` (0.9); `Hold` from `Hold:0`."""
    return re.split(r"[|,:>]", report[1:], maxsplit=1)[0]
