"""OctoPrint's REST API (docs.octoprint.org, "REST API"): the per-user API key in the X-Api-Key header,
files uploaded to local storage, selected and printed, job and printer state, pause, resume and cancel."""

from __future__ import annotations

import hashlib
import threading
from urllib.parse import quote

from urllib3 import encode_multipart_formdata

from app.machines.base import (
    BUSY,
    ERROR,
    IDLE,
    OFFLINE,
    PAUSED,
    PRINTING,
    FileRejected,
    MachineInfo,
    MachineStatus,
    PrinterBusy,
    UploadProgress,
    UploadResult,
    WrongAddress,
)
from app.machines.http_api import HttpApi


class OctoPrint:
    kind = "octoprint"

    def __init__(self, address: str, api_key: str) -> None:
        self.api = HttpApi(address, "OctoPrint", headers={"X-Api-Key": api_key})

    def probe(self) -> MachineInfo:
        version = self.api.json("GET", "/api/version")
        if not isinstance(version, dict) or "server" not in version:
            raise WrongAddress(f"what answers at {self.api.base_url} is not OctoPrint: check the address and port")
        connection = self.api.json("GET", "/api/connection").get("current", {})
        profiles = self.api.json("GET", "/api/printerprofiles").get("profiles", {})
        current = next((p for p in profiles.values() if p.get("current")), None) or profiles.get("_default", {})
        volume = current.get("volume") or {}
        bed = None
        if all(k in volume for k in ("width", "depth", "height")):
            bed = (float(volume["width"]), float(volume["depth"]), float(volume["height"]))
        return MachineInfo(connector=self.kind, firmware=f"OctoPrint {version['server']}",
                           printer=str(current.get("name") or connection.get("port") or "unknown printer"),
                           state=self.status().state, bed_size_mm=bed)

    def upload(self, name: str, data: bytes, progress: UploadProgress | None = None,
               cancel_flag: threading.Event | None = None) -> UploadResult:
        body, content_type = encode_multipart_formdata({"file": (name, data, "application/octet-stream")})
        reply = self.api.upload("POST", "/api/files/local", body, progress=progress, cancel_flag=cancel_flag,
                                headers={"Content-Type": content_type}, expect=(200, 201))
        stored = reply.json().get("files", {}).get("local", {}).get("path") or name
        info = self.api.json("GET", f"/api/files/local/{quote(stored)}")
        if info.get("size") != len(data):
            raise FileRejected(f"OctoPrint stored {stored} with {info.get('size')} bytes, not {len(data)}: "
                               "send it again")
        verified = "size"
        if "hash" in info:  # OctoPrint keeps the SHA-1 of each local file
            if info["hash"] != hashlib.sha1(data).hexdigest():
                raise FileRejected(f"OctoPrint's copy of {stored} differs from what was sent: send it again")
            verified = "sha1"
        return UploadResult(name=stored, size=len(data), verified=verified)

    def start(self, name: str) -> None:
        self.api.request("POST", f"/api/files/local/{quote(name)}", json={"command": "select", "print": True},
                         expect=(200, 204), refusals={409: PrinterBusy(
                             "OctoPrint cannot start a print now (the printer is printing or not connected): "
                             "check its state with `localfab status`")})

    def status(self) -> MachineStatus:
        job = self.api.json("GET", "/api/job")
        printer = self.api.request("GET", "/api/printer", expect=(200, 409))
        file = (job.get("job") or {}).get("file") or {}
        progress = job.get("progress") or {}
        if printer.status_code == 409:  # OctoPrint answers 409 while no printer is connected
            return MachineStatus(state=OFFLINE, file=file.get("path"), message=str(job.get("state", "")))
        data = printer.json()
        flags = (data.get("state") or {}).get("flags") or {}
        temperatures = {heater: (float(t.get("actual") or 0.0), float(t.get("target") or 0.0))
                        for heater, t in (data.get("temperature") or {}).items()
                        if isinstance(t, dict) and heater != "history"}
        completion = progress.get("completion")
        return MachineStatus(state=_state(flags), file=file.get("path"),
                             progress_pct=None if completion is None else round(float(completion), 2),
                             temperatures=temperatures, time_left_s=progress.get("printTimeLeft"),
                             message=str(job.get("state", "")))

    def pause(self) -> None:
        self._job_command({"command": "pause", "action": "pause"})

    def resume(self) -> None:
        self._job_command({"command": "pause", "action": "resume"})

    def cancel(self) -> None:
        self._job_command({"command": "cancel"})

    def _job_command(self, command: dict) -> None:
        self.api.request("POST", "/api/job", json=command, expect=(200, 204), refusals={409: PrinterBusy(
            f"OctoPrint cannot {command.get('action', command['command'])} now: no print is running")})


def _state(flags: dict) -> str:
    """The state from OctoPrint's state flags (`operational` stays true while printing or paused)."""
    if flags.get("error"):
        return ERROR
    if not flags.get("operational"):
        return OFFLINE
    if flags.get("pausing") or flags.get("cancelling"):  # on the way: commands wait until it is there
        return BUSY
    if flags.get("paused"):
        return PAUSED
    return PRINTING if flags.get("printing") else IDLE
