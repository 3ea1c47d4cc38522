"""The user's directory of workshops: OKW records kept in the user data folder, added from a file or from a
workshop server's published record, plus the built-in examples (clearly marked, never real workshops)."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import replace
from pathlib import Path

from app.profiles.loader import resources_dir
from app.workshops.errors import WorkshopError
from app.workshops.okw import Provenance, Workshop, dumps_workshops, read_workshops
from parametric_designs.templates import user_data_dir

EXAMPLES_FILE = "examples.okw.json"


def directory_file() -> Path:
    return user_data_dir() / "workshops" / "directory.okw.json"


def example_workshops() -> list[Workshop]:
    """The made-up workshops shipped with localfab, so matching can be tried before adding real ones."""
    return read_workshops(resources_dir() / "workshops" / EXAMPLES_FILE)


def list_workshops(include_examples: bool = False) -> list[Workshop]:
    path = directory_file()
    own = read_workshops(path) if path.is_file() else []
    return own + (example_workshops() if include_examples else [])


def add_from_file(path: Path, today: dt.date | None = None) -> list[Workshop]:
    """Add (or replace, by name) every record in `path`; each keeps its own provenance, or gets the file's."""
    records = read_workshops(path)
    date = (today or dt.date.today()).isoformat()
    stamped = [w if w.provenance.source else replace(w, provenance=Provenance(str(path), date)) for w in records]
    _save_merged(stamped)
    return stamped


def add_from_server(address: str, today: dt.date | None = None) -> Workshop:
    """Add the workshop a server at `address` publishes; its provenance is that server and today's date."""
    from app.workshops.client import WorkshopClient

    workshop = WorkshopClient(address).published_workshop()
    date = (today or dt.date.today()).isoformat()
    stamped = replace(workshop, server=address.rstrip("/"),
                      provenance=Provenance(source=address.rstrip("/"), date=date,
                                            verified_by=workshop.provenance.verified_by))
    _save_merged([stamped])
    return stamped


def remove_workshop(name: str) -> None:
    own = list_workshops()
    kept = [w for w in own if w.name != name]
    if len(kept) == len(own):
        raise WorkshopError(f"no workshop called {name!r} in your directory (see `localfab workshop list`)")
    _write(kept)


def find_workshop(name: str, include_examples: bool = True) -> Workshop:
    for workshop in list_workshops(include_examples):
        if workshop.name == name:
            return workshop
    raise WorkshopError(f"no workshop called {name!r} (see `localfab workshop list`)")


def _save_merged(records: list[Workshop]) -> None:
    names = {w.name for w in records}
    _write([w for w in list_workshops() if w.name not in names] + records)


def _write(workshops: list[Workshop]) -> None:
    path = directory_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    ordered = sorted(workshops, key=lambda w: w.name.casefold())
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".partial", encoding="utf-8") as tmp:
        tmp.write(dumps_workshops(ordered))
    os.replace(tmp.name, path)  # atomic: a crash leaves the old directory or the new one, never half of one
