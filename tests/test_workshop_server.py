"""The workshop server, started for real (`localfab workshop serve` on 127.0.0.1) on SQLite and on a real
PostgreSQL: the same tests against both. Accounts and roles, idempotent verified submission, refused uploads
that leave nothing behind, the job state machine with its audit log, and 50 members x 20 jobs at once."""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from app.workshops import directory
from app.workshops.errors import WorkshopError
from app.workshops.okw import dumps_workshops
from tests.workshops.bad_zips import declared_bomb, honest_bomb, traversal_zip
from tests.workshops.recipes import recipe_bytes
from tests.workshops.servers import PostgresCluster, WorkshopServer, postgres_binary

MEMBERS, JOBS_EACH = 50, 20
FIGURES: dict[str, dict] = {}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request, tmp_path_factory):
    data = tmp_path_factory.mktemp(f"workshop-{request.param}")
    record = data.parent / f"record-{request.param}.okw.json"
    record.write_text(dumps_workshops(directory.example_workshops()[:1]))
    cluster = None
    if request.param == "sqlite":
        database = f"sqlite:///{data / 'workshop.sqlite3'}"
    else:
        if postgres_binary("initdb") is None:
            pytest.skip("PostgreSQL is not installed: apt-get install postgresql (installer/bootstrap.sh --test "
                        "installs it)")
        cluster = PostgresCluster()
        database = cluster.create_database("workshop")
    running = WorkshopServer(data=data, database=database, record=record)
    running.add_staff()
    running.start()
    yield running
    running.stop()
    if cluster:
        cluster.stop()


def _member(server: WorkshopServer, prefix: str):
    return server.member(f"{prefix}-{uuid.uuid4().hex[:8]}")


def test_requests_without_a_token_are_refused(server):
    answer = requests.get(server.address + "/api/v1/jobs", timeout=10)
    assert answer.status_code == 401 and "log in first" in answer.json()["detail"]
    answer = requests.post(server.address + "/api/v1/login", json={"name": "staff", "password": "wrong-one"},
                           timeout=10)
    assert answer.status_code == 401


def test_the_directory_adds_the_record_a_server_publishes(server):
    added = directory.add_from_server(server.address)
    assert added.server == server.address and added.provenance.source == server.address
    assert added.name in [w.name for w in directory.list_workshops()]
    directory.remove_workshop(added.name)


def test_a_retried_submission_makes_one_job(server):
    member = _member(server, "retry")
    data = recipe_bytes(tag="retry")
    first = member.submit(data, idempotency_key="retry-key-0001")
    again = member.submit(data, idempotency_key="retry-key-0001")
    assert first == again
    assert first["state"] == "submitted" and first["recipe_sha256"] == hashlib.sha256(data).hexdigest()
    assert [j["id"] for j in member.jobs()] == [first["id"]]
    assert member.recipe(first["id"]) == data
    with pytest.raises(WorkshopError, match="already used for another recipe.*HTTP 409"):
        member.submit(recipe_bytes(tag="other"), idempotency_key="retry-key-0001")


def test_racing_retries_of_one_upload_make_one_job(server):
    member = _member(server, "race")
    data = recipe_bytes(tag="race")
    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(lambda _: member.submit(data, idempotency_key="race-key-0001"), range(12)))
    assert len({a["id"] for a in answers}) == 1
    assert len(member.jobs()) == 1
    assert len(member.events(answers[0]["id"])) == 1


def _raw_submit(server, member, body: bytes, declared_sha: str | None = None) -> requests.Response:
    return requests.post(server.address + "/api/v1/jobs", data=body, timeout=60, headers={
        "Authorization": f"Bearer {member.token}", "Idempotency-Key": uuid.uuid4().hex,
        "X-Recipe-SHA256": declared_sha or hashlib.sha256(body).hexdigest()})


REFUSED = {
    "tampered": (lambda: recipe_bytes(tag="tampered"), 422, "does not match its SHA-256"),
    "path traversal": (lambda: traversal_zip(recipe_bytes(tag="traversal")), 422,
                       "unexpected entry '../../etc/cron.d/evil'"),
    "12 GiB when unpacked": (declared_bomb, 422, "unpacks to more than 2 GiB and is refused"),
    "1000:1 compression": (honest_bomb, 422, "which is not a real recipe; refused"),
    "not a zip": (lambda: b"%PDF-1.7 this is not a recipe" * 100, 422, "not a localfab recipe (not a zip file)"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_a_bad_upload_is_refused_clearly_and_leaves_nothing_behind(server, case):
    make, status, message = REFUSED[case]
    member = _member(server, "bad")
    files_before = server.stored_files()
    body = make()
    declared = hashlib.sha256(body + b"changed on the way").hexdigest() if case == "tampered" else None
    answer = _raw_submit(server, member, body, declared)
    assert answer.status_code == status, answer.text
    assert message in answer.json()["detail"]
    assert member.jobs() == []
    assert server.stored_files() == files_before
    assert server.staging_leftovers() == []


def test_submission_needs_the_headers_that_make_it_safe(server):
    member = _member(server, "headers")
    body = recipe_bytes(tag="headers")
    answer = requests.post(server.address + "/api/v1/jobs", data=body, timeout=30,
                           headers={"Authorization": f"Bearer {member.token}"})
    assert answer.status_code == 422 and "Idempotency-Key" in answer.json()["detail"]


def test_another_members_job_is_not_found(server):
    owner, other = _member(server, "owner"), _member(server, "other")
    job = owner.submit(recipe_bytes(tag="private"))
    for call in (lambda: other.job(job["id"]), lambda: other.recipe(job["id"]), lambda: other.events(job["id"]),
                 lambda: other.move(job["id"], "cancelled")):
        with pytest.raises(WorkshopError, match=f"no job {job['id']} among your jobs.*HTTP 404"):
            call()
    assert job["id"] not in [j["id"] for j in other.jobs()]
    assert owner.job(job["id"])["state"] == "submitted"


def test_staff_actions_by_a_member_are_forbidden(server):
    member = _member(server, "nostaff")
    job = member.submit(recipe_bytes(tag="nostaff"))
    with pytest.raises(WorkshopError, match="only the workshop's staff can move a job to in_review.*HTTP 403"):
        member.move(job["id"], "in_review")
    with pytest.raises(WorkshopError, match="only the workshop's staff can do this.*HTTP 403"):
        member.add_account("sneaky-staff", "password-123", role="staff")
    assert member.job(job["id"])["state"] == "submitted"


def test_a_job_walks_its_states_with_every_move_checked_and_logged(server):
    member, staff = _member(server, "walk"), server.staff_client()
    job = member.submit(recipe_bytes(tag="walk"))["id"]
    with pytest.raises(WorkshopError, match="a submitted job cannot become done.*HTTP 409"):
        staff.move(job, "done")
    staff.move(job, "in_review")
    with pytest.raises(WorkshopError, match="needs a reason.*HTTP 422"):
        staff.move(job, "denied")
    with pytest.raises(WorkshopError, match="fdm.overhang is not among this job's check findings.*HTTP 422"):
        staff.move(job, "changes_requested", reason="too steep", findings=["fdm.overhang"])
    staff.move(job, "changes_requested", reason="the walls are too thin to hold", findings=["fdm.thin_wall"])
    staff.move(job, "in_review")
    with pytest.raises(WorkshopError, match="a quote needs its figures"):
        staff.move(job, "quoted")
    quote = {"currency": "GBP", "total": "10.70", "lines": [{"label": "machine time", "amount": "5.00"}]}
    staff.move(job, "quoted", quote=quote)
    assert member.job(job)["quote"] == quote
    member.move(job, "accepted")
    for state in ("queued", "running", "paused", "running", "failed", "queued", "running", "done",
                  "ready_for_pickup", "picked_up"):
        staff.move(job, state)
    with pytest.raises(WorkshopError, match="final state.*HTTP 409"):
        staff.move(job, "queued")
    log = member.events(job)
    assert [e["to"] for e in log] == ["submitted", "in_review", "changes_requested", "in_review", "quoted",
                                      "accepted", "queued", "running", "paused", "running", "failed", "queued",
                                      "running", "done", "ready_for_pickup", "picked_up"]
    assert log[2]["reason"] == "the walls are too thin to hold"
    assert log[2]["details"] == {"findings": ["fdm.thin_wall"]}
    assert [e["at"] for e in log] == sorted(e["at"] for e in log)
    assert member.events(job, after=log[-2]["id"]) == log[-1:]
    assert job in [j["id"] for j in staff.jobs(state="picked_up")]


def test_a_member_may_decline_a_quote_but_not_run_the_job(server):
    member, staff = _member(server, "decline"), server.staff_client()
    job = member.submit(recipe_bytes(tag="decline"))["id"]
    staff.move(job, "in_review")
    staff.move(job, "quoted", quote={"currency": "EUR", "total": "3.00"})
    with pytest.raises(WorkshopError, match="HTTP 403"):
        member.move(job, "queued")
    assert member.move(job, "cancelled", reason="too dear")["state"] == "cancelled"


def test_the_member_is_told_of_each_change_as_server_sent_events(server):
    member, staff = _member(server, "sse"), server.staff_client()
    job = member.submit(recipe_bytes(tag="sse"))["id"]
    seen: list[dict] = []
    done = threading.Event()

    def listen() -> None:
        for event in member.follow(job):
            seen.append(event)
            if len(seen) == 3:
                done.set()
                return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    staff.move(job, "in_review")
    staff.move(job, "denied", reason="we do not print weapons")
    assert done.wait(20), seen
    assert [e["to"] for e in seen] == ["submitted", "in_review", "denied"]
    assert seen[2]["reason"] == "we do not print weapons"
    resumed = member.follow(job, after=seen[1]["id"])
    assert next(resumed)["to"] == "denied"
    resumed.close()
    with pytest.raises(WorkshopError, match="HTTP 404"):
        next(_member(server, "nosy").follow(job))


def test_fifty_members_submitting_twenty_jobs_each_store_every_job_once(server):
    run = uuid.uuid4().hex[:6]
    with ThreadPoolExecutor(16) as pool:
        members = list(pool.map(lambda i: server.member(f"load{run}-{i:02d}"), range(MEMBERS)))
    recipes = [[recipe_bytes(tag=f"{run}-{m}-{j}") for j in range(JOBS_EACH)] for m in range(MEMBERS)]

    def member_run(m: int) -> list[dict]:
        return [members[m].submit(recipes[m][j], idempotency_key=f"load-{run}-{m}-{j}") for j in range(JOBS_EACH)]

    started = time.perf_counter()
    with ThreadPoolExecutor(MEMBERS) as pool:
        answers = list(pool.map(member_run, range(MEMBERS)))
    elapsed = time.perf_counter() - started
    total = MEMBERS * JOBS_EACH
    ids = [job["id"] for jobs in answers for job in jobs]
    assert len(set(ids)) == total
    for m, client in enumerate(members):
        mine = client.jobs()
        assert len(mine) == JOBS_EACH
        assert sorted(j["recipe_sha256"] for j in mine) == sorted(hashlib.sha256(r).hexdigest() for r in recipes[m])
    stored = server.stored_files()
    assert {hashlib.sha256(r).hexdigest() for rs in recipes for r in rs} <= stored
    FIGURES[server.database.split(":")[0]] = {"jobs": total, "seconds": round(elapsed, 2),
                                              "jobs_per_second": round(total / elapsed, 1)}
    print(f"\n{server.database.split(':')[0]}: {total} jobs from {MEMBERS} members in {elapsed:.1f} s = "
          f"{total / elapsed:.1f} jobs/s")
    Path(server.data / "load-figures.json").write_text(json.dumps(FIGURES[server.database.split(":")[0]]))
