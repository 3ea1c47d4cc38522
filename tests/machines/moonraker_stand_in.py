"""A stand-in for Moonraker (Klipper's API server), following its published Web API document
(moonraker.readthedocs.io) request by request: the endpoints localfab uses, their methods, the X-Api-Key
header, `{"result": ...}` and `{"error": {"code", "message"}}` bodies, 201 for an upload, 401 without the key,
422 for a checksum mismatch, 400 when Klippy refuses a print command. The print itself is simulated: each
status query moves it on by a quarter."""

from __future__ import annotations

import hashlib

from .http_stand_in import Reply, Request, StandIn


def _error(code: int, message: str) -> Reply:
    return Reply(code, {"error": {"code": code, "message": message}})


class MoonrakerStandIn(StandIn):
    def __init__(self, api_key: str | None = None, free_bytes: int = 8 << 30, drop_uploads: int = 0,
                 drop_start_answer: bool = False) -> None:
        super().__init__()
        self.api_key = api_key
        self.free_bytes = free_bytes
        self.drop_uploads = drop_uploads  # this many uploads are cut off before any answer
        self.drop_start_answer = drop_start_answer  # a start is carried out, but its answer is lost
        self.files: dict[str, bytes] = {}
        self.state, self.filename, self.progress = "standby", "", 0.0

    def answer(self, request: Request) -> Reply | None:
        if self.api_key is not None and request.headers.get("x-api-key") != self.api_key:
            return _error(401, "Unauthorized")
        route = (request.method, request.path)
        if route == ("GET", "/server/info"):
            return Reply(200, {"result": {"klippy_connected": True, "klippy_state": "ready",
                                          "components": ["file_manager", "klippy_apis"], "failed_components": [],
                                          "registered_directories": ["config", "gcodes"], "warnings": [],
                                          "websocket_count": 0, "moonraker_version": "v0.9.3-0-stand-in",
                                          "api_version": [1, 5, 0], "api_version_string": "1.5.0"}})
        if route == ("GET", "/printer/info"):
            return Reply(200, {"result": {"state": "ready", "state_message": "Printer is ready",
                                          "hostname": "voron", "software_version": "v0.12.0-stand-in",
                                          "cpu_info": "4 core ARM"}})
        if route == ("GET", "/server/files/directory"):
            used = sum(len(d) for d in self.files.values())
            return Reply(200, {"result": {"dirs": [], "files": [{"filename": n, "size": len(d)}
                                                                 for n, d in self.files.items()],
                                          "disk_usage": {"total": used + self.free_bytes, "used": used,
                                                         "free": self.free_bytes},
                                          "root_info": {"name": "gcodes", "permissions": "rw"}}})
        if route == ("POST", "/server/files/upload"):
            return self._upload(request)
        if route == ("GET", "/printer/objects/query"):
            return Reply(200, {"result": {"eventtime": 1000.0, "status": self._objects(set(request.query))}})
        if request.method == "POST" and request.path.startswith("/printer/print/"):
            reply = self._print_command(request.path.rsplit("/", 1)[1], request.query.get("filename", ""))
            return None if self.drop_start_answer and request.path.endswith("/start") else reply
        return _error(404, f"Not Found: {request.path}")

    def _upload(self, request: Request) -> Reply | None:
        if self.drop_uploads:
            self.drop_uploads -= 1
            return None
        form = request.form()
        filename, data = form["file"]
        if form.get("root", (None, b"gcodes"))[1] != b"gcodes":
            return _error(400, "Invalid root")
        checksum = form.get("checksum", (None, b""))[1].decode()
        if checksum and checksum != hashlib.sha256(data).hexdigest():
            return _error(422, f"File checksum mismatch: expected {checksum}")
        self.files[filename] = data
        return Reply(201, {"result": {"item": {"path": filename, "root": "gcodes", "modified": 1700000000.0,
                                               "size": len(data), "permissions": "rw"},
                                      "print_started": False, "print_queued": False, "action": "create_file"}})

    def _objects(self, wanted: set[str]) -> dict:
        if self.state == "printing":
            self.progress = min(1.0, self.progress + 0.25)
            if self.progress >= 1.0:
                self.state = "complete"
        objects = {
            "print_stats": {"filename": self.filename, "total_duration": 40.0 * self.progress,
                            "print_duration": 40.0 * self.progress, "filament_used": 0.0, "state": self.state,
                            "message": "", "info": {"total_layer": None, "current_layer": None}},
            "virtual_sdcard": {"file_path": self.filename, "progress": self.progress,
                               "is_active": self.state == "printing", "file_position": 0, "file_size": 0},
            "extruder": {"temperature": 210.2, "target": 210.0},
            "heater_bed": {"temperature": 60.1, "target": 60.0},
            "toolhead": {"axis_minimum": [-5.0, -5.0, 0.0, -1000.0], "axis_maximum": [245.0, 245.0, 230.0, 1000.0]},
        }
        return {name: value for name, value in objects.items() if name in wanted}

    def _print_command(self, action: str, filename: str) -> Reply:
        if action == "start":
            if self.state in ("printing", "paused"):
                return _error(400, "Print is already in progress")
            if filename not in self.files:
                return _error(400, f"File not found: {filename}")
            self.state, self.filename, self.progress = "printing", filename, 0.0
        elif action == "pause" and self.state == "printing":
            self.state = "paused"
        elif action == "resume" and self.state == "paused":
            self.state = "printing"
        elif action == "cancel" and self.state in ("printing", "paused"):
            self.state = "cancelled"
        else:
            return _error(400, f"Cannot {action}: print is {self.state}")
        return Reply(200, {"result": "ok"})
