"""Moonraker's HTTP API for Klipper printers (moonraker.readthedocs.io, "Web API"): every reply is
`{"result": ...}` or `{"error": {"code", "message"}}`; the X-Api-Key header is sent when the user stored a
key (a server with authorization on answers 401 without one).

Upload: `POST /server/files/upload` (multipart `file`, `root=gcodes`, and `checksum`, the SHA-256 the server
checks after the upload); start: `POST /printer/print/start?filename=`; state and progress:
`GET /printer/objects/query?print_stats&virtual_sdcard&extruder&heater_bed`; pause, resume and cancel:
`POST /printer/print/pause|resume|cancel`.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

from urllib3 import encode_multipart_formdata

from app.machines.base import (
    BUSY,
    ERROR,
    IDLE,
    OFFLINE,
    PAUSED,
    PRINTING,
    AuthenticationFailed,
    DiskFull,
    FileRejected,
    MachineInfo,
    MachineStatus,
    PrinterBusy,
    UploadProgress,
    UploadResult,
    WrongAddress,
)
from app.machines.http_api import HttpApi

# print_stats.state as Klipper reports it.
_STATES = {"standby": IDLE, "complete": IDLE, "cancelled": IDLE, "printing": PRINTING, "paused": PAUSED,
           "error": ERROR}
_STATUS_OBJECTS = "print_stats&virtual_sdcard&extruder&heater_bed&toolhead"


class Moonraker:
    kind = "moonraker"

    def __init__(self, address: str, api_key: str = "") -> None:
        self.api = HttpApi(address, "Moonraker", headers={"X-Api-Key": api_key} if api_key else {})
        self._has_key = bool(api_key)

    def _result(self, method: str, path: str, refusals: dict | None = None, **kwargs: Any) -> Any:
        asks_for_key = {} if self._has_key else {401: AuthenticationFailed(
            f"Moonraker at {self.api.base_url} asks for an API key: get one from the machine (Moonraker's "
            "/access/api_key, or the web interface) and store it with `localfab printers add --api-key`")}
        reply = self.api.json(method, path, refusals={**asks_for_key, **(refusals or {})}, **kwargs)
        if not isinstance(reply, dict) or "result" not in reply:
            raise WrongAddress(f"what answers at {self.api.base_url} is not Moonraker (no `result` in its reply "
                               f"to {path}): check the address and port")
        return reply["result"]

    def probe(self) -> MachineInfo:
        server = self._result("GET", "/server/info")
        printer = self._result("GET", "/printer/info") if server.get("klippy_connected") else {}
        toolhead = (self._objects().get("toolhead") or {}) if server.get("klippy_state") == "ready" else {}
        low, high = toolhead.get("axis_minimum"), toolhead.get("axis_maximum")
        bed = tuple(float(high[i]) - float(low[i]) for i in range(3)) if low and high else None
        return MachineInfo(
            connector=self.kind,
            firmware=f"Klipper {printer.get('software_version', '?')}, Moonraker "
                     f"{server.get('moonraker_version', '?')}",
            printer=str(printer.get("hostname") or "Klipper printer"),
            state=self.status().state, bed_size_mm=bed)

    def upload(self, name: str, data: bytes, progress: UploadProgress | None = None,
               cancel_flag: threading.Event | None = None) -> UploadResult:
        usage = (self._result("GET", "/server/files/directory", params={"path": "gcodes"}) or {}).get("disk_usage")
        if usage and int(usage.get("free", len(data))) < len(data):
            raise DiskFull(f"Moonraker at {self.api.base_url} has {int(usage['free']) >> 20} MiB free and the "
                           f"program needs {len(data) >> 20} MiB: delete old files on the printer")
        digest = hashlib.sha256(data).hexdigest()
        body, content_type = encode_multipart_formdata(
            {"root": "gcodes", "checksum": digest, "file": (name, data, "application/octet-stream")})
        reply = self.api.upload("POST", "/server/files/upload", body, progress=progress, cancel_flag=cancel_flag,
                                headers={"Content-Type": content_type}, expect=(200, 201), refusals={
                                    422: FileRejected(f"Moonraker's copy of {name} does not match what was "
                                                      "sent (checksum): send it again")})
        document = reply.json()
        item = (document.get("result", document) or {}).get("item") or {}
        return UploadResult(name=str(item.get("path") or name), size=len(data), verified="sha256")

    def start(self, name: str) -> None:
        self._result("POST", "/printer/print/start", params={"filename": name}, refusals={400: PrinterBusy(
            f"Klipper would not start {name}: it is printing or not ready; see `localfab status`")})

    def status(self) -> MachineStatus:
        server = self._result("GET", "/server/info")
        if server.get("klippy_state") != "ready":
            state = ERROR if server.get("klippy_state") in ("error", "shutdown") else OFFLINE
            return MachineStatus(state=state, message=f"Klipper is {server.get('klippy_state', 'not connected')}")
        objects = self._objects()
        stats = objects.get("print_stats") or {}
        card = objects.get("virtual_sdcard") or {}
        progress = card.get("progress")
        elapsed = stats.get("print_duration")
        time_left = None
        if progress and elapsed and 0 < progress < 1:
            time_left = round(float(elapsed) * (1 - progress) / progress, 1)
        temperatures = {name: (float(objects[key].get("temperature") or 0.0), float(objects[key].get("target") or 0.0))
                        for name, key in (("tool0", "extruder"), ("bed", "heater_bed")) if objects.get(key)}
        return MachineStatus(state=_STATES.get(stats.get("state", ""), BUSY), file=stats.get("filename") or None,
                             progress_pct=None if progress is None else round(100.0 * float(progress), 2),
                             temperatures=temperatures, time_left_s=time_left, message=str(stats.get("message", "")))

    def pause(self) -> None:
        self._print_command("pause")

    def resume(self) -> None:
        self._print_command("resume")

    def cancel(self) -> None:
        self._print_command("cancel")

    def _objects(self) -> dict:
        return (self._result("GET", f"/printer/objects/query?{_STATUS_OBJECTS}") or {}).get("status") or {}

    def _print_command(self, action: str) -> None:
        self._result("POST", f"/printer/print/{action}", refusals={400: PrinterBusy(
            f"Klipper cannot {action} now: no print is running (or it is already {action}d)")})
