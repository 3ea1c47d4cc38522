"""Benchmark: recipe submissions to a real workshop server, many members at once.

Run by hand (not part of the test suite):
    .venv/bin/python tests/benchmarks/bench_workshop.py [--members 50] [--jobs 20] [--postgresql]

Starts `localfab workshop serve` on 127.0.0.1 (SQLite in a temporary folder, or a throw-away PostgreSQL
cluster with --postgresql), makes the member accounts, then has every member submit its jobs at the same time
(one thread per member, jobs one after another, each a distinct recipe with its own Idempotency-Key). Prints
jobs per second and the p50/p95 time of one submission, and checks that every job is stored exactly once.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app.workshops.server.db import sqlite_url
from tests.workshops.recipes import recipe_bytes
from tests.workshops.servers import PostgresCluster, WorkshopServer


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--postgresql", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-workshop-") as folder:
        data = Path(folder)
        cluster = PostgresCluster() if args.postgresql else None
        database = cluster.create_database("bench") if cluster else sqlite_url(data)
        server = WorkshopServer(data=data, database=database)
        server.add_staff()
        server.start()
        try:
            with ThreadPoolExecutor(16) as pool:
                members = list(pool.map(lambda i: server.member(f"bench-{i:03d}"), range(args.members)))
            recipes = [[recipe_bytes(tag=f"{m}-{j}") for j in range(args.jobs)] for m in range(args.members)]
            latencies: list[float] = []

            def run(m: int) -> list[int]:
                ids = []
                for j, recipe in enumerate(recipes[m]):
                    started = time.perf_counter()
                    ids.append(members[m].submit(recipe, idempotency_key=f"bench-{m}-{j}")["id"])
                    latencies.append(time.perf_counter() - started)
                return ids

            started = time.perf_counter()
            with ThreadPoolExecutor(args.members) as pool:
                ids = [i for batch in pool.map(run, range(args.members)) for i in batch]
            elapsed = time.perf_counter() - started
        finally:
            server.stop()
            if cluster:
                cluster.stop()
    total = args.members * args.jobs
    assert len(set(ids)) == total, "a job was lost or doubled"
    cuts = statistics.quantiles(latencies, n=20)
    p50, p95 = statistics.median(latencies) * 1000, cuts[18] * 1000
    print(f"{'PostgreSQL' if args.postgresql else 'SQLite'}: {total} jobs from {args.members} members in "
          f"{elapsed:.2f} s = {total / elapsed:.1f} jobs/s; one submission p50 {p50:.0f} ms, p95 {p95:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
