"""A real OctoPrint for the tests, with its built-in virtual printer, started headless on 127.0.0.1.

Start-up, exactly:
1. OctoPrint (pinned, `OCTOPRINT_VERSION`) is installed from PyPI into a virtual environment of its own under
   `~/.cache/localfab-tests/octoprint-<version>` (or `$LOCALFAB_TEST_CACHE/octoprint-<version>`), once: a
   marker file says the install finished, a lock file keeps two test runs from installing at the same time.
2. A fresh base folder gets a `config.yaml` (no first-run wizard, online check and plugin blacklist
   explicitly off, tracking off, the serial port `VIRTUAL` with autoconnect, the `virtual_printer` plugin on
   and quick) and a `users.yaml` with one admin whose password hash comes from OctoPrint's own
   `UserManager.create_password_hash` and who has a per-user API key (the global `api.key` is deprecated).
3. `octoprint serve --basedir BASE --host 127.0.0.1 --port PORT --iknowwhatimdoing` (the flag lets it run
   as root, as CI does; every command gets `--basedir`, else OctoPrint writes into ~/.octoprint), on a port
   the OS chose free. Ready when `/api/version` answers with the key and the virtual printer is connected.
4. Teardown terminates the process group (and kills it after 10 s).
"""

from __future__ import annotations

import fcntl
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

OCTOPRINT_VERSION = "1.11.8"
START_TIMEOUT_S = 90.0


def cache_dir() -> Path:
    base = os.environ.get("LOCALFAB_TEST_CACHE") or Path.home() / ".cache" / "localfab-tests"
    return Path(base) / f"octoprint-{OCTOPRINT_VERSION}"


def ensure_installed() -> Path:
    """The virtual environment with OctoPrint in it, installed on first use; its python."""
    venv = cache_dir()
    python = venv / "bin" / "python"
    marker = venv / "installed.ok"
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f"octoprint-{OCTOPRINT_VERSION}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not marker.exists():
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True, timeout=120)
            subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                            f"OctoPrint=={OCTOPRINT_VERSION}"], check=True, timeout=600, capture_output=True)
            marker.write_text(OCTOPRINT_VERSION + "\n")
    return python


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


CONFIG_YAML = """\
server:
  firstRun: false
  onlineCheck:
    enabled: false
  pluginBlacklist:
    enabled: false
serial:
  port: VIRTUAL
  baudrate: 115200
  autoconnect: true
plugins:
  _disabled: [announcements, softwareupdate, tracking, discovery, achievements, errortracking]
  tracking:
    enabled: false
  virtual_printer:
    enabled: true
    throttle: 0.001
    waitInterval: 0.1
    simulateReset: false
"""


@dataclass
class OctoPrintServer:
    url: str
    api_key: str
    port: int
    process: subprocess.Popen
    base: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)

    def log_tail(self) -> str:
        log = self.base / "logs" / "octoprint.log"
        return log.read_text(errors="replace")[-4000:] if log.exists() else "(no log)"


def start_server(base: Path) -> OctoPrintServer:
    python = ensure_installed()
    api_key = secrets.token_hex(16).upper()
    password_hash = subprocess.run(
        [str(python), "-c", "import sys; from octoprint.access.users import UserManager; "
                            "print(UserManager.create_password_hash(sys.argv[1]))", secrets.token_hex(8)],
        check=True, capture_output=True, text=True, timeout=60).stdout.strip()
    base.mkdir(parents=True, exist_ok=True)
    (base / "config.yaml").write_text(CONFIG_YAML)
    (base / "users.yaml").write_text(
        "admin:\n"
        "  active: true\n"
        f"  apikey: {api_key}\n"
        "  groups: [admins, users]\n"
        f"  password: '{password_hash}'\n"
        "  permissions: []\n"
        "  roles: [user, admin]\n"
        "  settings: {}\n")
    port = free_port()
    octoprint = python.parent / "octoprint"
    process = subprocess.Popen(
        [str(octoprint), "serve", "--basedir", str(base), "--host", "127.0.0.1", "--port", str(port),
         "--iknowwhatimdoing"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    server = OctoPrintServer(url=f"http://127.0.0.1:{port}", api_key=api_key, port=port, process=process,
                             base=base)
    try:
        _wait_until_ready(server)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_until_ready(server: OctoPrintServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    headers = {"X-Api-Key": server.api_key}
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"OctoPrint exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            state = requests.get(server.url + "/api/connection", headers=headers, timeout=2).json()
            if state["current"]["state"] == "Operational":
                return
        except (requests.RequestException, ValueError, KeyError):
            pass
        time.sleep(0.25)
    raise RuntimeError(f"OctoPrint did not become ready in {START_TIMEOUT_S} s:\n{server.log_tail()}")
