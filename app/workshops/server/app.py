"""The workshop server's HTTP API (FastAPI), version 1 under /api/v1.

  GET  /api/v1/health                         no account needed
  GET  /api/v1/okw                            the workshop's own Open Know Where record (no account needed)
  POST /api/v1/login                          {"name", "password"} -> {"token", "role"}
  POST /api/v1/accounts                       staff: {"name", "password", "role"}
  POST /api/v1/jobs                           member: the .localfab bytes as the body, with the headers
                                              Idempotency-Key and X-Recipe-SHA256; 201 new job, 200 the job a
                                              retry already made
  GET  /api/v1/jobs[?state=S]                 a member's own jobs; staff: every job (the queue)
  GET  /api/v1/jobs/{id}                      404 for another member's job
  GET  /api/v1/jobs/{id}/recipe               the recipe file
  POST /api/v1/jobs/{id}/transitions          {"to", "reason", "quote", "findings"}: a checked move
  GET  /api/v1/jobs/{id}/events[?after=N]     the audit log; poll with the last id seen
  GET  /api/v1/jobs/{id}/events/stream        the same as server-sent events

Errors are JSON {"detail": "a message for a person"} with the status that fits: 401 no or bad token, 403 not
this role's to do, 404 no such job (or not yours), 409 a move from the wrong state or a reused key, 413 too
large, 422 a refused recipe or missing reason.
"""

import asyncio
import contextlib
import hashlib
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import ClientDisconnect

from app.jobs import CHECK_FILE, MAX_RECIPE_BYTES, read_recipe
from app.workshops.errors import WorkshopError
from app.workshops.okw import read_workshops, workshop_to_json
from app.workshops.server import auth
from app.workshops.server.db import make_engine, migrate, now, session_factory
from app.workshops.server.jobs import TransitionRefused, check_transition
from app.workshops.server.models import Account, Blob, Event, Job
from app.workshops.server.storage import BlobStore
from app.workshops.server.submissions import UPLOAD_NAME, SubmissionRefused, submit

_SHA256 = re.compile(r"(?:sha256:)?([0-9a-f]{64})")
_KEY = re.compile(r"[!-~]{8,128}")
EVENT_POLL_S = 0.5


class Credentials(BaseModel):
    name: str
    password: str


class NewAccount(Credentials):
    role: str = "member"


class Move(BaseModel):
    to: str
    reason: str = ""
    quote: dict[str, Any] | None = None
    findings: list[str] | None = None


def create_app(database_url: str, data_dir: Path, workshop_record: Path | None = None,
               max_upload_bytes: int = MAX_RECIPE_BYTES) -> FastAPI:
    """The server for one workshop: its database, its file store under `data_dir`, its published OKW record."""
    engine = make_engine(database_url)
    sessions = session_factory(engine)
    store = BlobStore(Path(data_dir))
    record = workshop_to_json(read_workshops(workshop_record)[0]) if workshop_record else None
    # Before any request: the schema up to date, and what an interrupted upload left behind swept away (one
    # server process per data folder, so nothing is in flight now).
    migrate(engine)
    with sessions() as session:
        store.sweep(set(session.scalars(select(Blob.sha256))))

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(title="localfab workshop", version="1", lifespan=lifespan)

    @app.exception_handler(WorkshopError)
    async def _workshop_error(_request: Request, exc: WorkshopError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    def db() -> Session:
        with sessions() as session:
            yield session

    def account(authorization: Annotated[str | None, Header()] = None) -> Account:
        # A session of its own, closed at once: an upload must not hold a database transaction open.
        scheme, _, token = (authorization or "").partition(" ")
        found = None
        if scheme.lower() == "bearer" and token:
            with sessions() as session:
                found = auth.account_for_token(session, token.strip())
        if found is None:
            raise HTTPException(401, "log in first: send Authorization: Bearer <token> from POST /api/v1/login",
                                headers={"WWW-Authenticate": "Bearer"})
        return found

    Caller = Annotated[Account, Depends(account)]
    Db = Annotated[Session, Depends(db)]

    def staff(who: Caller) -> Account:
        if who.role != "staff":
            raise HTTPException(403, "only the workshop's staff can do this")
        return who

    Staff = Annotated[Account, Depends(staff)]

    def visible_job(job_id: int, who: Account, session: Session, for_update: bool = False) -> Job:
        job = session.get(Job, job_id, with_for_update=for_update)
        if job is None or (who.role != "staff" and job.member_id != who.id):
            raise HTTPException(404, f"no job {job_id} among your jobs")
        return job

    @app.get("/api/v1/health")
    def health() -> dict:
        return {"ok": True}

    @app.get("/api/v1/okw")
    def okw() -> dict:
        if record is None:
            raise HTTPException(404, "this workshop publishes no Open Know Where record (start the server with "
                                     "--record FILE)")
        return record

    @app.post("/api/v1/login")
    def login(body: Credentials, session: Db) -> dict:
        result = auth.log_in(session, body.name, body.password)
        if result is None:
            raise HTTPException(401, "wrong account name or password")
        session.commit()
        token, who = result
        return {"token": token, "role": who.role, "name": who.name}

    @app.post("/api/v1/accounts", status_code=201)
    def add_account(body: NewAccount, _staff: Staff, session: Db) -> dict:
        created = auth.create_account(session, body.name, body.password, body.role)
        session.commit()
        return {"name": created.name, "role": created.role}

    @app.post("/api/v1/jobs")
    async def submit_job(request: Request, who: Caller, idempotency_key: Annotated[str | None, Header()] = None,
                         x_recipe_sha256: Annotated[str | None, Header()] = None) -> JSONResponse:
        if who.role != "member":
            raise HTTPException(403, "jobs are submitted from a member account")
        if not idempotency_key or not _KEY.fullmatch(idempotency_key):
            raise HTTPException(422, "send an Idempotency-Key header (8 to 128 printable characters, e.g. a UUID) "
                                     "and the same key again when retrying")
        declared = _SHA256.fullmatch((x_recipe_sha256 or "").lower())
        if declared is None:
            raise HTTPException(422, "send the recipe's SHA-256 (64 hex digits) in the X-Recipe-SHA256 header")
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > max_upload_bytes:
            raise HTTPException(413, f"the recipe is over {max_upload_bytes >> 20} MiB; this workshop takes "
                                     "smaller ones")
        folder = store.staging_folder()
        try:
            staged = folder / UPLOAD_NAME
            digest = await _receive(request, staged, max_upload_bytes)
            if digest != declared[1]:
                raise HTTPException(422, "the upload does not match its SHA-256: it was damaged or changed on the "
                                         "way; send it again")
            result = await run_in_threadpool(submit, sessions, store, who, idempotency_key, digest, staged)
        except SubmissionRefused as exc:
            raise HTTPException(exc.status, str(exc)) from exc
        finally:
            store.discard(folder)
        return JSONResponse(_job_json(result.job), status_code=201 if result.created else 200)

    @app.get("/api/v1/jobs")
    def list_jobs(who: Caller, session: Db, state: str | None = None) -> list[dict]:
        query = select(Job).order_by(Job.id)
        if who.role != "staff":
            query = query.where(Job.member_id == who.id)
        if state:
            query = query.where(Job.state == state)
        return [_job_json(job) for job in session.scalars(query)]

    @app.get("/api/v1/jobs/{job_id}")
    def get_job(job_id: int, who: Caller, session: Db) -> dict:
        return _job_json(visible_job(job_id, who, session))

    @app.get("/api/v1/jobs/{job_id}/recipe")
    def get_recipe(job_id: int, who: Caller, session: Db) -> FileResponse:
        job = visible_job(job_id, who, session)
        return FileResponse(store.path_of(job.recipe_sha256), media_type="application/zip",
                            filename=f"job-{job.id}.localfab")

    @app.post("/api/v1/jobs/{job_id}/transitions")
    def move(job_id: int, body: Move, who: Caller, session: Db) -> dict:
        job = visible_job(job_id, who, session, for_update=True)  # two staff moving one job queue up
        details = {k: v for k, v in (("quote", body.quote), ("findings", body.findings)) if v is not None}
        rules = _finding_rules(store.path_of(job.recipe_sha256)) if body.findings else set()
        try:
            check_transition(job.state, body.to, who.role, body.reason, details, rules)
        except TransitionRefused as exc:
            raise HTTPException(exc.status, str(exc)) from exc
        stamp = now()
        session.add(Event(job_id=job.id, at=stamp, actor_id=who.id, from_state=job.state, to_state=body.to,
                          reason=body.reason, details=details or None))
        if body.quote is not None:
            job.quote = body.quote
        job.state, job.updated = body.to, stamp
        session.commit()
        return _job_json(job)

    @app.get("/api/v1/jobs/{job_id}/events")
    def events(job_id: int, who: Caller, session: Db, after: int = 0) -> list[dict]:
        visible_job(job_id, who, session)
        return _events_after(session, job_id, after)

    @app.get("/api/v1/jobs/{job_id}/events/stream")
    async def event_stream(job_id: int, request: Request, who: Caller) -> StreamingResponse:
        def first_check() -> None:
            with sessions() as session:
                visible_job(job_id, who, session)

        await run_in_threadpool(first_check)
        start = int(request.headers.get("last-event-id", "0") or 0)

        async def stream() -> AsyncIterator[str]:
            last = start
            while not await request.is_disconnected():
                for item in await run_in_threadpool(_read_events, sessions, job_id, last):
                    last = item["id"]
                    yield f"id: {last}\nevent: state\ndata: {json.dumps(item, sort_keys=True)}\n\n"
                await asyncio.sleep(EVENT_POLL_S)

        return StreamingResponse(stream(), media_type="text/event-stream")

    return app


async def _receive(request: Request, staged: Path, limit: int) -> str:
    """Stream the body to `staged`, refusing it past `limit` bytes; the hex SHA-256 of what arrived."""
    digest = hashlib.sha256()
    size = 0
    try:
        with open(staged, "wb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise HTTPException(413, f"the recipe is over {limit >> 20} MiB; this workshop takes smaller ones")
                digest.update(chunk)
                out.write(chunk)
    except ClientDisconnect as exc:
        raise HTTPException(400, "the upload was cut off; send it again with the same Idempotency-Key") from exc
    if size == 0:
        raise HTTPException(422, "the upload is empty: send the .localfab file as the request body")
    return digest.hexdigest()


def _finding_rules(recipe_path: Path) -> set[str]:
    """The rule ids of the findings in a stored recipe's check report (it was verified when it arrived)."""
    report = json.loads(read_recipe(recipe_path).files[CHECK_FILE])
    return {str(f.get("rule")) for f in report.get("findings", []) if isinstance(f, dict)}


def _read_events(sessions: sessionmaker[Session], job_id: int, after: int) -> list[dict]:
    with sessions() as session:
        return _events_after(session, job_id, after)


def _events_after(session: Session, job_id: int, after: int) -> list[dict]:
    rows = session.scalars(select(Event).where(Event.job_id == job_id, Event.id > after).order_by(Event.id))
    return [{"id": e.id, "at": e.at, "from": e.from_state, "to": e.to_state, "reason": e.reason,
             "details": e.details, "actor_id": e.actor_id} for e in rows]


def _job_json(job: Job) -> dict:
    return {"id": job.id, "member_id": job.member_id, "state": job.state, "title": job.title, "process": job.process,
            "material": job.material, "recipe_sha256": job.recipe_sha256, "quote": job.quote, "created": job.created,
            "updated": job.updated}
