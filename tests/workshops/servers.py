"""Real workshop servers for the tests: `localfab workshop serve` in a subprocess on a free port of 127.0.0.1,
on SQLite or on a PostgreSQL cluster started from Debian's binaries."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from app.workshops.client import WorkshopClient

REPO = Path(__file__).resolve().parents[2]
STAFF, STAFF_PASSWORD = "staff", "staff-password-1"
PASSWORD = "member-password-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class WorkshopServer:
    """One server process; `restart` starts it again on the same port, database and files."""

    data: Path
    database: str
    record: Path | None = None
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    _staff_client: WorkshopClient | None = None

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "app.cli", "workshop", *args], input=stdin, text=True,
                              capture_output=True, cwd=REPO, timeout=120)

    def start(self) -> WorkshopServer:
        extra = ["--record", str(self.record)] if self.record else []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "workshop", "serve", "--data", str(self.data), "--database",
             self.database, "--port", str(self.port), *extra], cwd=REPO, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the workshop server stopped: {self.process.stderr.read().decode()}")
            try:
                if requests.get(self.address + "/api/v1/health", timeout=1).ok:
                    return self
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("the workshop server did not answer within 60 s")

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, as when the power goes."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def add_staff(self) -> None:
        result = self.cli("account", "add", STAFF, "--role", "staff", "--data", str(self.data), "--database",
                          self.database, stdin=STAFF_PASSWORD + "\n")
        if result.returncode != 0:
            raise RuntimeError(result.stderr)

    def staff_client(self) -> WorkshopClient:
        client = WorkshopClient(self.address)
        client.log_in(STAFF, STAFF_PASSWORD)
        return client

    def _staff(self) -> WorkshopClient:
        if self._staff_client is None:
            self._staff_client = self.staff_client()
        return self._staff_client

    def member(self, name: str) -> WorkshopClient:
        """A logged-in client for a new member account `name`."""
        self._staff().add_account(name, PASSWORD)
        client = WorkshopClient(self.address)
        client.log_in(name, PASSWORD)
        return client

    def stored_files(self) -> set[str]:
        return {p.name for p in (self.data / "objects").glob("*/*")}

    def staging_leftovers(self) -> list[Path]:
        return list((self.data / "staging").iterdir())


def postgres_binary(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


class PostgresCluster:
    """A throw-away PostgreSQL cluster: initdb into a temporary folder, trust authentication, listening only on
    127.0.0.1 at a free port. PostgreSQL refuses to run as root, so as root it runs as the `postgres` user."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="localfab-pg-"))
        self.port = free_port()
        self.user = "postgres"
        self._as = []
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
            self._as = ["runuser", "-u", "postgres", "--"]
        data = self.folder / "data"
        self._run(postgres_binary("initdb"), "-D", str(data), "-A", "trust", "-U", self.user, "--no-sync", "-E",
                  "UTF8")
        self._run(postgres_binary("pg_ctl"), "-D", str(data), "-l", str(self.folder / "log"), "-w", "-t", "60",
                  "-o", f"-p {self.port} -h 127.0.0.1 -k {self.folder} -c fsync=off -c max_connections=300",
                  "start")
        self.data = data

    def _run(self, *command: str) -> None:
        result = subprocess.run([*self._as, *command], capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{command[0]} failed: {result.stdout}{result.stderr}")

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user={self.user} dbname=postgres",
                             autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        subprocess.run([*self._as, postgres_binary("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(self.folder, ignore_errors=True)
