"""PrusaLink's v1 HTTP API (the OpenAPI document in prusa3d/Prusa-Link-Web, spec/openapi.yaml): the key in the
X-Api-Key header, or HTTP digest authentication where the printer uses a user and password (stored as
`user:password` in the key field).

Upload: `PUT /api/v1/files/{storage}/{path}` with the raw bytes, `Overwrite: ?1` and `Print-After-Upload: ?0`
(RFC 8941 booleans). The print is started by its own `POST` to the same path: an upload is retried when the
connection fails, and an upload that also started the print could then start it twice. Status:
`GET /api/v1/status`; the job: `GET /api/v1/job` (204 when there is none); pause and resume:
`PUT /api/v1/job/{id}/pause|resume`; cancel: `DELETE /api/v1/job/{id}`.
"""

from __future__ import annotations

import threading
from urllib.parse import quote

from requests.auth import HTTPDigestAuth

from app.machines.base import (
    BUSY,
    ERROR,
    IDLE,
    PAUSED,
    PRINTING,
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

_STATES = {"IDLE": IDLE, "READY": IDLE, "FINISHED": IDLE, "STOPPED": IDLE, "PRINTING": PRINTING,
           "PAUSED": PAUSED, "BUSY": BUSY, "ATTENTION": BUSY, "ERROR": ERROR}


class PrusaLink:
    kind = "prusalink"

    def __init__(self, address: str, api_key: str) -> None:
        user, colon, password = api_key.partition(":")
        if colon:
            self.api = HttpApi(address, "PrusaLink", auth=HTTPDigestAuth(user, password))
        else:
            self.api = HttpApi(address, "PrusaLink", headers={"X-Api-Key": api_key})

    def probe(self) -> MachineInfo:
        version = self.api.json("GET", "/api/version")
        if not isinstance(version, dict) or "api" not in version:
            raise WrongAddress(f"what answers at {self.api.base_url} is not PrusaLink: check the address and port")
        if not (version.get("capabilities") or {}).get("upload-by-put"):
            raise WrongAddress(f"the PrusaLink at {self.api.base_url} is too old for its v1 API (no upload-by-put): "
                               "update the printer's firmware, or connect it as an OctoPrint")
        info = self.api.json("GET", "/api/v1/info")
        return MachineInfo(connector=self.kind, firmware=f"{version.get('text', 'PrusaLink')} (firmware "
                                                         f"{version.get('firmware', '?')})",
                           printer=str(info.get("name") or info.get("hostname") or version.get("printer", "")),
                           state=self.status().state)

    def upload(self, name: str, data: bytes, progress: UploadProgress | None = None,
               cancel_flag: threading.Event | None = None) -> UploadResult:
        storage = self._storage()
        free = storage.get("free_space")
        if free is not None and int(free) < len(data):
            raise DiskFull(f"the printer's {storage.get('name', 'storage')} has {int(free) >> 20} MiB free and the "
                           f"program needs {len(data) >> 20} MiB: delete old files on it")
        path = self._file_path(storage, name)
        self.api.upload("PUT", path, data, progress=progress, cancel_flag=cancel_flag, expect=(201, 204),
                        headers={"Content-Type": "application/octet-stream", "Overwrite": "?1",
                                 "Print-After-Upload": "?0"},
                        refusals={409: PrinterBusy(f"the printer refused to replace {name}: it is printing it")})
        stored = self.api.json("GET", path)
        if stored.get("size") != len(data):
            raise FileRejected(f"the printer stored {name} with {stored.get('size')} bytes, not {len(data)}: send "
                               "it again")
        return UploadResult(name=name, size=len(data), verified="size")

    def start(self, name: str) -> None:
        self.api.request("POST", self._file_path(self._storage(), name), expect=(204,), refusals={
            409: PrinterBusy("the printer cannot start now (it is printing or needs attention): see "
                             "`localfab status`")})

    def status(self) -> MachineStatus:
        status = self.api.json("GET", "/api/v1/status")
        printer = status.get("printer") or {}
        job = status.get("job") or {}
        file = None
        if job:
            reply = self.api.request("GET", "/api/v1/job", expect=(200, 204))
            if reply.status_code == 200:
                details = reply.json().get("file") or {}
                file = details.get("display_name") or details.get("name")
        temperatures = {heater: (float(printer[f"temp_{key}"]), float(printer.get(f"target_{key}") or 0.0))
                        for heater, key in (("tool0", "nozzle"), ("bed", "bed")) if f"temp_{key}" in printer}
        progress = job.get("progress")
        return MachineStatus(state=_STATES.get(str(printer.get("state", "")).upper(), BUSY), file=file,
                             progress_pct=None if progress is None else float(progress),
                             temperatures=temperatures, time_left_s=job.get("time_remaining"))

    def pause(self) -> None:
        self.api.request("PUT", f"/api/v1/job/{self._job_id('pause')}/pause", expect=(204,), refusals=_NOT_NOW)

    def resume(self) -> None:
        self.api.request("PUT", f"/api/v1/job/{self._job_id('resume')}/resume", expect=(204,), refusals=_NOT_NOW)

    def cancel(self) -> None:
        self.api.request("DELETE", f"/api/v1/job/{self._job_id('cancel')}", expect=(204,), refusals=_NOT_NOW)

    def _job_id(self, action: str) -> int:
        reply = self.api.request("GET", "/api/v1/job", expect=(200, 204))
        if reply.status_code == 204:
            raise PrinterBusy(f"nothing to {action}: the printer has no job")
        return int(reply.json()["id"])

    def _storage(self) -> dict:
        storages = self.api.json("GET", "/api/v1/storage").get("storage_list") or []
        usable = [s for s in storages if s.get("available") and not s.get("read_only")]
        if not usable:
            raise DiskFull("the printer has no storage to write to (no USB stick or SD card in it?): insert one")
        return usable[0]

    @staticmethod
    def _file_path(storage: dict, name: str) -> str:
        return f"/api/v1/files/{quote(str(storage['path']).strip('/'))}/{quote(name)}"


_NOT_NOW = {409: PrinterBusy("the printer cannot do that in its present state: see `localfab status`")}
