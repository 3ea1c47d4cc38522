"""Taking in a member's recipe exactly once.

The upload is streamed to a staging folder while its SHA-256 is computed; it must match the hash the client
declared. Then the zip is checked whole by app.jobs.read_recipe (entry names, sizes, compression ratio,
recorded hashes) before anything in it is used. Only then is the file moved to its content address and the
job row, its file's row and the first audit event committed in one transaction. The member's Idempotency-Key
is unique per member in the database, so a retried upload (or two racing) finds the job the first one made.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.errors import RecipeError
from app.jobs import Recipe, read_recipe
from app.workshops.server.db import now
from app.workshops.server.jobs import SUBMITTED
from app.workshops.server.models import Account, Blob, Event, Job
from app.workshops.server.storage import BlobStore

UPLOAD_NAME = "recipe.localfab"
# A recipe is verified in memory (up to app.jobs.MAX_UNPACKED_BYTES); a few at a time keeps many large
# uploads arriving together from exhausting the server's memory. They wait their turn instead.
_VERIFYING = threading.BoundedSemaphore(2)


class SubmissionRefused(Exception):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Submitted:
    job: Job
    created: bool


def existing_job(sessions: sessionmaker[Session], member: Account, key: str, sha256: str) -> Job | None:
    """The job this member already made with this key, if any; the same key for another recipe is refused."""
    with sessions() as session:
        job = session.scalar(select(Job).where(Job.member_id == member.id, Job.idempotency_key == key))
    if job is not None and job.recipe_sha256 != sha256:
        raise SubmissionRefused("this Idempotency-Key was already used for another recipe; use a new key for a "
                                "new job", 409)
    return job


def submit(sessions: sessionmaker[Session], store: BlobStore, member: Account, key: str, sha256: str,
           staged: Path) -> Submitted:
    """Verify the staged recipe and record the job (or find the one a retry already made)."""
    previous = existing_job(sessions, member, key, sha256)
    if previous is not None:
        return Submitted(previous, created=False)
    try:
        with _VERIFYING:
            recipe = read_recipe(staged).recipe
    except RecipeError as exc:
        raise SubmissionRefused(f"the recipe was refused: {exc}", 422) from exc
    size = staged.stat().st_size
    store.put(staged, sha256)
    # A conflict means a racing upload committed first: with the same key (then that job is this one), or of
    # the same file by someone else (then the file's row exists and the next attempt adds only the job).
    for _ in range(3):
        previous = existing_job(sessions, member, key, sha256)
        if previous is not None:
            return Submitted(previous, created=False)
        with sessions() as session:
            try:
                job = _record(session, member, key, sha256, size, recipe)
                session.commit()
                return Submitted(job, created=True)
            except IntegrityError:
                session.rollback()
    raise SubmissionRefused("the job could not be recorded after three tries; send it again", 503)


def _record(session: Session, member: Account, key: str, sha256: str, size: int, recipe: Recipe) -> Job:
    stamp = now()
    if session.get(Blob, sha256) is None:
        session.add(Blob(sha256=sha256, size=size, created=stamp))
        session.flush()
    job = Job(member_id=member.id, idempotency_key=key, recipe_sha256=sha256,
              title=str(recipe.design.get("name") or recipe.design["id"])[:200], process=recipe.process[:16],
              material=str(recipe.material.get("id", ""))[:64], state=SUBMITTED, quote=None, created=stamp,
              updated=stamp)
    session.add(job)
    session.flush()
    session.add(Event(job_id=job.id, at=stamp, actor_id=member.id, from_state=None, to_state=SUBMITTED, reason="",
                      details=None))
    return job
