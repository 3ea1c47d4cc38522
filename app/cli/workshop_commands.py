"""The workshop sub-commands.

Directory and matching: workshop add|list|remove|match|quote; publishing: workshop okh. Members and staff
of a workshop server: workshop login|submit|status|move. Running a server: workshop serve, workshop account add.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

from app.cli.arguments import add_json
from app.cli.output import EXIT_OK, EXIT_PROBLEM, emit, table
from app.errors import LocalfabError


def register(commands: argparse._SubParsersAction) -> None:
    workshop = commands.add_parser("workshop", help="nearby workshops: find, quote, submit; or run one's server")
    sub = workshop.add_subparsers(title="workshop commands", metavar="COMMAND", required=True)

    add = sub.add_parser("add", help="add workshops from an Open Know Where JSON file or a workshop server")
    add.add_argument("source", help="a .json file of OKW records, or a server address such as http://lab:8765")
    add.set_defaults(run=_add)

    listing = sub.add_parser("list", help="the workshops in your directory")
    listing.add_argument("--examples", action="store_true", help="include the built-in (made-up) examples")
    add_json(listing)
    listing.set_defaults(run=_list)

    remove = sub.add_parser("remove", help="forget a workshop")
    remove.add_argument("name")
    remove.set_defaults(run=_remove)

    match = sub.add_parser("match", help="the workshops that can make a recipe, nearest first, with reasons")
    match.add_argument("recipe", type=Path)
    match.add_argument("--near", required=True, help="a town (Bristol, or Cambridge, US) or coordinates (51.45, -2.59)")
    match.add_argument("--days", type=int, default=7, help="open within this many days (default 7)")
    match.add_argument("--examples", action="store_true", help="include the built-in (made-up) examples")
    add_json(match)
    match.set_defaults(run=_match)

    quote = sub.add_parser("quote", help="what a recipe costs at home, at a workshop, and against buying it")
    quote.add_argument("recipe", type=Path)
    quote.add_argument("--workshop", action="append", default=[], metavar="NAME", help="a workshop to quote")
    quote.add_argument("--retail", help="the price of buying the part, e.g. 12.50")
    quote.add_argument("--currency", default="", help="the retail price's currency (default: your home currency)")
    add_json(quote)
    quote.set_defaults(run=_quote)

    okh = sub.add_parser("okh", help="write the Open Know-How manifest of a recipe for publishing, beside it")
    okh.add_argument("recipe", type=Path)
    okh.set_defaults(run=_okh)

    login = sub.add_parser("login", help="log in to a workshop server (the password is read from standard input)")
    login.add_argument("address")
    login.add_argument("name")
    login.set_defaults(run=_login)

    submit = sub.add_parser("submit", help="send a recipe to a workshop server; safe to repeat")
    submit.add_argument("address")
    submit.add_argument("recipe", type=Path)
    submit.add_argument("--key", help="the Idempotency-Key of an earlier attempt, to finish that one")
    add_json(submit)
    submit.set_defaults(run=_submit)

    status = sub.add_parser("status", help="your jobs at a workshop server (staff: the queue), or one job's log")
    status.add_argument("address")
    status.add_argument("job", type=int, nargs="?")
    status.add_argument("--state", help="only jobs in this state")
    add_json(status)
    status.set_defaults(run=_status)

    move = sub.add_parser("move", help="move a job to another state (accept a quote, deny with a reason, ...)")
    move.add_argument("address")
    move.add_argument("job", type=int)
    move.add_argument("to", help="the new state, e.g. in_review, quoted, accepted, denied, queued, done")
    move.add_argument("--reason", default="", help="why (needed to deny or to request changes)")
    move.add_argument("--quote", type=Path, help="a JSON file with the quote (currency, total, lines)")
    move.add_argument("--finding", action="append", dest="findings", help="a check rule id the change is about")
    add_json(move)
    move.set_defaults(run=_move)

    serve = sub.add_parser("serve", help="run this workshop's server")
    _server_place(serve)
    serve.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--record", type=Path, help="this workshop's Open Know Where record, published at /api/v1/okw")
    serve.set_defaults(run=_serve)

    account = sub.add_parser("account", help="accounts on this workshop's server")
    account_sub = account.add_subparsers(title="account commands", metavar="COMMAND", required=True)
    account_add = account_sub.add_parser("add", help="add an account (the password is read from standard input)")
    account_add.add_argument("name")
    account_add.add_argument("--role", choices=("member", "staff"), default="member")
    _server_place(account_add)
    account_add.set_defaults(run=_account_add)


def _server_place(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, help="the server's folder for files and the SQLite database "
                                                  "(default: workshop-server in your localfab data folder)")
    parser.add_argument("--database", help="a database URL, e.g. postgresql+psycopg://user@host/name "
                                           "(default: SQLite in the data folder)")


def _server_settings(args: argparse.Namespace) -> tuple[str, Path]:
    from app.workshops.server.db import sqlite_url
    from parametric_designs.templates import user_data_dir

    data = args.data or user_data_dir() / "workshop-server"
    data.mkdir(parents=True, exist_ok=True)
    return args.database or sqlite_url(data), data


def _add(args: argparse.Namespace) -> int:
    from app.workshops import directory

    source = Path(args.source)
    added = directory.add_from_file(source) if source.suffix.lower() == ".json" or source.is_file() \
        else [directory.add_from_server(args.source)]
    for workshop in added:
        print(f"added {workshop.name} ({workshop.provenance.source}, {workshop.provenance.date})")
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    from app.workshops.directory import list_workshops
    from app.workshops.okw import workshop_to_json

    workshops = list_workshops(include_examples=args.examples)
    rows = [[w.name, w.address.get("city", ""), ", ".join(sorted(w.processes)), w.provenance.source]
            for w in workshops]
    emit(args, [workshop_to_json(w) for w in workshops],
         lambda: table(["name", "city", "processes", "source"], rows) if rows
         else "no workshops yet: add one with `localfab workshop add FILE_OR_ADDRESS` (or list --examples)")
    return EXIT_OK


def _remove(args: argparse.Namespace) -> int:
    from app.workshops.directory import remove_workshop

    remove_workshop(args.name)
    print(f"removed {args.name}")
    return EXIT_OK


def _match(args: argparse.Namespace) -> int:
    from app.jobs import read_recipe
    from app.workshops.directory import list_workshops
    from app.workshops.geo import resolve_place
    from app.workshops.matching import match_workshops
    from app.workshops.needs import needs_of

    if args.days < 1:
        raise LocalfabError("--days must be 1 or more")
    near = resolve_place(args.near)
    workshops = list_workshops(include_examples=args.examples)
    if not workshops:
        raise LocalfabError("your directory has no workshops: add some with `localfab workshop add`, or pass "
                            "--examples to try the built-in examples")
    results = match_workshops(needs_of(read_recipe(args.recipe)), workshops, near, dt.date.today(), args.days)

    def text() -> str:
        blocks = []
        for m in results:
            mark = "MATCH" if m.ok else "no"
            blocks.append(f"{mark:5}  {m.workshop.name}\n" + "\n".join(f"       - {r}" for r in m.reasons))
        return f"near {near.name} ({near.source}):\n" + "\n".join(blocks)

    emit(args, {"near": near.name, "results": [m.as_json() for m in results]}, text)
    return EXIT_OK if any(m.ok for m in results) else EXIT_PROBLEM


def _quote(args: argparse.Namespace) -> int:
    from app.jobs import read_recipe
    from app.workshops.directory import find_workshop
    from app.workshops.needs import needs_of
    from app.workshops.quote import compare, home_costing, load_home_costs, workshop_costing

    needs = needs_of(read_recipe(args.recipe))
    home = load_home_costs()
    costings = [home_costing(needs, home)] + [workshop_costing(needs, find_workshop(n)) for n in args.workshop]
    retail = None
    if args.retail is not None:
        try:
            retail = Decimal(args.retail)
        except InvalidOperation as exc:
            raise LocalfabError(f"--retail {args.retail!r} is not an amount (write it like 12.50)") from exc
    comparison = compare(costings, retail, args.currency.upper() or home.currency)

    def text() -> str:
        lines = []
        for costing in comparison.costings:
            lines.append(f"{costing.option}: {costing.total} {costing.currency}")
            lines += [f"  {x.label:18} {x.amount:>9}  {x.source}" for x in costing.lines]
        if comparison.retail:
            lines.append(f"buy: {comparison.retail.total} {comparison.retail.currency} (as typed)")
        return "\n".join(lines + list(comparison.savings))

    emit(args, comparison.as_json(), text)
    return EXIT_OK


def _okh(args: argparse.Namespace) -> int:
    from app.jobs import read_recipe
    from app.workshops.okh import write_okh_manifest

    print(f"wrote {write_okh_manifest(args.recipe, read_recipe(args.recipe))}")
    return EXIT_OK


def _login(args: argparse.Namespace) -> int:
    from app.workshops.client import WorkshopClient
    from app.workshops.tokens import save_token

    client = WorkshopClient(args.address)
    answer = client.log_in(args.name, _password())
    save_token(client.address, answer["token"])
    print(f"logged in to {client.address} as {answer['name']} ({answer['role']})")
    return EXIT_OK


def _submit(args: argparse.Namespace) -> int:
    from app.jobs import read_recipe

    read_recipe(args.recipe)  # a damaged file is refused here, before anything is sent
    job = _client(args.address).submit(args.recipe, idempotency_key=args.key)
    emit(args, job, lambda: f"job {job['id']} ({job['title']}): {job['state']}")
    return EXIT_OK


def _status(args: argparse.Namespace) -> int:
    client = _client(args.address)
    if args.job is not None:
        job, events = client.job(args.job), client.events(args.job)
        emit(args, {"job": job, "events": events}, lambda: f"job {job['id']} ({job['title']}): {job['state']}\n"
             + "\n".join(f"  {e['at']}  {e['from'] or '-'} -> {e['to']}" + (f": {e['reason']}" if e["reason"] else "")
                         for e in events))
        return EXIT_OK
    jobs = client.jobs(args.state)
    rows = [[j["id"], j["state"], j["title"], j["updated"]] for j in jobs]
    emit(args, jobs, lambda: table(["job", "state", "title", "updated"], rows) if rows else "no jobs")
    return EXIT_OK


def _move(args: argparse.Namespace) -> int:
    quote = None
    if args.quote:
        try:
            quote = json.loads(args.quote.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise LocalfabError(f"{args.quote}: cannot read the quote ({exc})") from exc
    job = _client(args.address).move(args.job, args.to, args.reason, quote, args.findings)
    emit(args, job, lambda: f"job {job['id']}: {job['state']}")
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.workshops.server.app import create_app

    database, data = _server_settings(args)
    app = create_app(database, data, args.record)
    print(f"workshop server on http://{args.host}:{args.port} (data in {data})", file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return EXIT_OK


def _account_add(args: argparse.Namespace) -> int:
    from app.workshops.server.auth import create_account
    from app.workshops.server.db import make_engine, migrate, session_factory

    database, _ = _server_settings(args)
    engine = make_engine(database)
    try:
        migrate(engine)
        with session_factory(engine)() as session:
            create_account(session, args.name, _password(), args.role)
            session.commit()
    finally:
        engine.dispose()
    print(f"added {args.role} account {args.name}")
    return EXIT_OK


def _client(address: str):
    from app.workshops.client import WorkshopClient
    from app.workshops.tokens import token_for

    client = WorkshopClient(address)
    client.token = token_for(client.address)
    return client


def _password() -> str:
    password = getpass.getpass("password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    if not password:
        raise LocalfabError("no password given (type it, or pipe it on standard input)")
    return password
