"""A workshop server killed in the middle of an upload: no half job is ever visible, and the client's retry
with the same Idempotency-Key completes the job exactly once."""

from __future__ import annotations

import hashlib
import threading
import time

import requests

from app.workshops.server.db import sqlite_url
from tests.workshops.recipes import recipe_bytes
from tests.workshops.servers import WorkshopServer


def test_a_server_killed_mid_upload_shows_no_half_job_and_the_retry_completes_it_once(tmp_path):
    data_dir = tmp_path / "server"
    data_dir.mkdir()
    server = WorkshopServer(data=data_dir, database=sqlite_url(data_dir))
    server.add_staff()
    server.start()
    try:
        member = server.member("killed-upload")
        data = recipe_bytes(tag="killed")
        key = "killed-upload-key-1"
        server_killed = threading.Event()

        def body():
            yield data[: len(data) // 2]
            server_killed.wait(30)
            yield data[len(data) // 2:]

        failure: list[BaseException] = []

        def upload() -> None:
            try:
                requests.post(server.address + "/api/v1/jobs", data=body(), timeout=30, headers={
                    "Authorization": f"Bearer {member.token}", "Idempotency-Key": key,
                    "X-Recipe-SHA256": hashlib.sha256(data).hexdigest()})
            except requests.RequestException as exc:
                failure.append(exc)

        sender = threading.Thread(target=upload)
        sender.start()
        deadline = time.monotonic() + 20
        # The server stages an upload in a folder of its own once the request's body starts to arrive.
        while not any(d.iterdir() for d in server.staging_leftovers()):
            assert time.monotonic() < deadline, "the upload never started"
            time.sleep(0.05)
        time.sleep(0.3)
        server.kill()
        server_killed.set()
        sender.join(30)
        assert failure, "the upload should have failed with the server gone"
        orphan = server.data / "objects" / "ab" / ("ab" + "0" * 62)  # a file stored whose row was never committed
        orphan.parent.mkdir(parents=True, exist_ok=True)
        orphan.write_bytes(b"half")

        server.start()
        assert member.jobs() == []
        assert server.staging_leftovers() == []
        assert not orphan.exists()
        first = member.submit(data, idempotency_key=key)
        again = member.submit(data, idempotency_key=key)
        assert first["id"] == again["id"] and first["state"] == "submitted"
        assert [j["id"] for j in member.jobs()] == [first["id"]]
        assert member.recipe(first["id"]) == data
    finally:
        server.stop()


def test_the_server_commands_refuse_a_database_they_cannot_use(tmp_path):
    server = WorkshopServer(data=tmp_path, database="nosuchdb://nowhere")
    unreachable = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    for database, message in (("nosuchdb://nowhere", "'nosuchdb://nowhere' is not a database URL localfab can use"),
                              (unreachable, "cannot reach the database")):
        for command in (["serve", "--port", "1"], ["account", "add", "someone"]):
            result = server.cli(*command, "--data", str(tmp_path), "--database", database, stdin="a-password-1\n")
            assert result.returncode == 2, result.stderr
            assert message in result.stderr
            assert "Traceback" not in result.stderr
