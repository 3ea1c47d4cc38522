"""`localfab workshop ...`: the directory, matching and quoting from the command line, and a member's login,
submission and status against a real server."""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

import pytest

from app.cli import main
from app.workshops.server.db import sqlite_url
from app.workshops.tokens import TOKENS_FILE
from tests.workshops.recipes import recipe_bytes
from tests.workshops.servers import PASSWORD, WorkshopServer

RIVERSIDE = "EXAMPLE Riverside Makerspace (not a real workshop)"


@pytest.fixture()
def recipe(tmp_path):
    path = tmp_path / "box.localfab"
    path.write_bytes(recipe_bytes((80.0, 60.0, 40.0), time_s=7200.0, grams=50.0))
    return path


def test_match_lists_the_examples_nearest_first_with_reasons(recipe, capsys):
    assert main(["workshop", "match", str(recipe), "--near", "Bristol", "--examples", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["near"] == "Bristol, GB"
    assert answer["results"][0]["workshop"] == RIVERSIDE
    assert answer["results"][0]["ok"] and answer["results"][0]["quote"]["total"] == "10.70"


def test_match_with_no_workshops_says_how_to_add_some(recipe, capsys):
    assert main(["workshop", "match", str(recipe), "--near", "Bristol"]) == 2
    assert "add some with `localfab workshop add`" in capsys.readouterr().err


def test_quote_shows_home_workshop_and_buy_with_sources(recipe, capsys):
    assert main(["workshop", "quote", str(recipe), "--workshop", RIVERSIDE, "--retail", "20", "--currency",
                 "GBP"]) == 0
    out = capsys.readouterr().out
    assert f"workshop: {RIVERSIDE}: 10.70 GBP" in out
    assert "at home: 1.27 EUR" in out
    assert f"workshop: {RIVERSIDE} saves 9.30 GBP (46.5%) against buying" in out
    assert "from the program's estimate" in out


def test_a_missing_recipe_is_a_clear_error(tmp_path, capsys):
    assert main(["workshop", "quote", str(tmp_path / "nothing.localfab")]) == 2
    err = capsys.readouterr().err
    assert "no such file" in err and "Traceback" not in err


def test_a_member_logs_in_submits_and_follows_a_job(tmp_path, recipe, capsys, monkeypatch):
    data = tmp_path / "server"
    data.mkdir()
    server = WorkshopServer(data=data, database=sqlite_url(data))
    server.add_staff()
    server.start()
    try:
        server.member("cli-member")
        monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
        assert main(["workshop", "login", server.address, "cli-member"]) == 0
        assert "logged in" in capsys.readouterr().out
        tokens = Path(os.environ["LOCALFAB_CONFIG_DIR"]) / TOKENS_FILE
        assert stat.S_IMODE(tokens.stat().st_mode) == 0o600
        assert main(["workshop", "submit", server.address, str(recipe), "--key", "cli-key-0001", "--json"]) == 0
        job = json.loads(capsys.readouterr().out)
        assert main(["workshop", "submit", server.address, str(recipe), "--key", "cli-key-0001", "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["id"] == job["id"]
        assert main(["workshop", "status", server.address, str(job["id"])]) == 0
        out = capsys.readouterr().out
        assert f"job {job['id']} (Box): submitted" in out and "- -> submitted" in out
        assert main(["workshop", "move", server.address, str(job["id"]), "queued"]) == 2
        assert "only the workshop's staff" in capsys.readouterr().err
    finally:
        server.stop()
