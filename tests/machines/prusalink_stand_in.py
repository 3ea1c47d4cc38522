"""A stand-in for PrusaLink, following its v1 OpenAPI document (prusa3d/Prusa-Link-Web, spec/openapi.yaml)
request by request: /api/version with `capabilities.upload-by-put`, /api/v1/info, /api/v1/status,
/api/v1/storage, PUT (upload, `Overwrite` and `Print-After-Upload` as RFC 8941 booleans, 201), GET (file
metadata with `size`) and POST (start, 204) on /api/v1/files/{storage}/{path}, /api/v1/job (204 when there is
none), PUT /api/v1/job/{id}/pause|resume and DELETE /api/v1/job/{id}; X-Api-Key or HTTP digest (MD5, qop=auth)
authentication, 401 without it, 409 when the printer cannot do what is asked. Each status query moves a
running print on by a quarter."""

from __future__ import annotations

import hashlib
import re
import secrets
from urllib.parse import unquote

from .http_stand_in import Reply, Request, StandIn

REALM = "Printer API"


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


class PrusaLinkStandIn(StandIn):
    def __init__(self, api_key: str | None = None, digest: tuple[str, str] | None = None,
                 free_bytes: int = 1 << 30) -> None:
        super().__init__()
        self.api_key, self.digest, self.free_bytes = api_key, digest, free_bytes
        self.nonce = secrets.token_hex(8)
        self.files: dict[str, bytes] = {}
        self.state, self.job_id, self.file, self.progress = "IDLE", 0, "", 0.0
        self.upload_headers: list[dict[str, str]] = []

    def answer(self, request: Request) -> Reply:
        if not self._authorized(request):
            return Reply(401, b"Unauthorized", {"WWW-Authenticate": f'Digest realm="{REALM}", '
                                                f'nonce="{self.nonce}", qop="auth", algorithm=MD5'}
                         if self.digest else {})
        path = request.path
        if (request.method, path) == ("GET", "/api/version"):
            return Reply(200, {"api": "2.0.0", "version": "0.7.2", "printer": "1.3.1", "text": "PrusaLink",
                               "firmware": "6.1.3+7898", "capabilities": {"upload-by-put": True}})
        if (request.method, path) == ("GET", "/api/v1/info"):
            return Reply(200, {"name": "MK4 in the shed", "hostname": "prusa-mk4.lan", "serial": "10589-X",
                               "nozzle_diameter": 0.4, "mmu": False, "min_extrusion_temp": 170})
        if (request.method, path) == ("GET", "/api/v1/status"):
            return Reply(200, self._status())
        if (request.method, path) == ("GET", "/api/v1/storage"):
            return Reply(200, {"storage_list": [
                {"name": "USB", "type": "USB", "path": "/usb", "free_space": self.free_bytes,
                 "total_space": 8 << 30, "available": True, "read_only": False}]})
        if (request.method, path) == ("GET", "/api/v1/job"):
            if not self.job_id:
                return Reply(204)
            return Reply(200, {"id": self.job_id, "state": self.state, "progress": self.progress,
                               "time_printing": 10, "time_remaining": 30,
                               "file": {"name": self.file[:8].upper(), "display_name": self.file, "path": "/usb",
                                        "size": len(self.files[self.file]), "m_timestamp": 1700000000}})
        if match := re.fullmatch(r"/api/v1/job/(\d+)(/pause|/resume)?", path):
            return self._job_command(request.method, int(match.group(1)), match.group(2))
        if match := re.fullmatch(r"/api/v1/files/usb/(.+)", path):
            return self._file(request, unquote(match.group(1)))
        return Reply(404, {"title": "Not Found", "text": f"{path} is not an endpoint"})

    def _authorized(self, request: Request) -> bool:
        if self.api_key is not None:
            return request.headers.get("x-api-key") == self.api_key
        if self.digest is None:
            return True
        header = request.headers.get("authorization", "")
        if not header.startswith("Digest "):
            return False
        fields = dict(re.findall(r'(\w+)="?([^",]*)"?', header[7:]))
        user, password = self.digest
        ha1 = _md5(f"{user}:{REALM}:{password}")
        ha2 = _md5(f"{request.method}:{fields.get('uri', '')}")
        expected = _md5(f"{ha1}:{self.nonce}:{fields.get('nc')}:{fields.get('cnonce')}:auth:{ha2}")
        return fields.get("username") == user and fields.get("nonce") == self.nonce and \
            fields.get("response") == expected

    def _status(self) -> dict:
        if self.state == "PRINTING":
            self.progress = min(100.0, self.progress + 25.0)
            if self.progress >= 100.0:
                self.state = "FINISHED"
        status = {"printer": {"state": self.state, "temp_nozzle": 214.9, "target_nozzle": 215.0,
                              "temp_bed": 59.5, "target_bed": 60.0, "axis_z": 0.5},
                  "storage": {"name": "USB", "path": "/usb", "read_only": False, "free_space": self.free_bytes}}
        if self.job_id:
            status["job"] = {"id": self.job_id, "progress": self.progress, "time_remaining": 30,
                             "time_printing": 10}
        return status

    def _file(self, request: Request, name: str) -> Reply:
        if request.method == "PUT":
            self.upload_headers.append(request.headers)
            if name in self.files and request.headers.get("overwrite") != "?1":
                return Reply(409, {"title": "Conflict", "text": "File already exists"})
            if len(request.body) > self.free_bytes:
                return Reply(507, {"title": "Insufficient Storage", "text": "Not enough space"})
            self.files[name] = request.body
            if request.headers.get("print-after-upload") == "?1":
                self._start(name)
            return Reply(201)
        if name not in self.files:
            return Reply(404, {"title": "Not Found", "text": f"{name} does not exist"})
        if request.method == "GET":
            return Reply(200, {"name": name[:8].upper(), "display_name": name, "read_only": False,
                               "size": len(self.files[name]), "type": "PRINT_FILE", "m_timestamp": 1700000000})
        if request.method == "POST":
            if self.state in ("PRINTING", "PAUSED"):
                return Reply(409, {"title": "Conflict", "text": "The printer is printing"})
            self._start(name)
            return Reply(204)
        return Reply(405)

    def _start(self, name: str) -> None:
        self.state, self.job_id, self.file, self.progress = "PRINTING", self.job_id + 1, name, 0.0

    def _job_command(self, method: str, job_id: int, action: str | None) -> Reply:
        if job_id != self.job_id:
            return Reply(404, {"title": "Not Found", "text": f"no job {job_id}"})
        if method == "PUT" and action == "/pause" and self.state == "PRINTING":
            self.state = "PAUSED"
        elif method == "PUT" and action == "/resume" and self.state == "PAUSED":
            self.state = "PRINTING"
        elif method == "DELETE" and action is None and self.state in ("PRINTING", "PAUSED"):
            self.state = "STOPPED"
        else:
            return Reply(409, {"title": "Conflict", "text": f"cannot do that while {self.state}"})
        return Reply(204)
