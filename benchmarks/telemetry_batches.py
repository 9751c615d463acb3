"""Usage-report batches for the ingestion benchmark, written ahead of the load.

Each batch is one gzip'd request body: a few installations, each with the reports it queued
while it could not send, drawn from a fixed pool so the server knows them already.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path


def installations(seed: int, count: int) -> list:
    """The pool of installations the batches draw from, the same for the same seed."""
    from telemetry import sample

    rng = random.Random(seed)  # noqa: S311 - sample data
    return [sample.installation(rng) for _ in range(count)]


def _generate(job: tuple) -> int:
    """Write batches ``first`` .. ``first + count - 1`` (one process of the pool)."""
    directory, first, count, args, now_iso = job
    from telemetry import sample

    pool = installations(args["seed"], args["installations"])
    now = datetime.fromisoformat(now_iso)
    size = 0
    for number in range(first, first + count):
        rng = random.Random(f"{args['seed']}:{number}")  # noqa: S311 - sample data
        owners = rng.sample(pool, args["installations_per_batch"])
        reports = []
        for owner in owners:
            # Reports an installation queued while it could not send: one a day, oldest first.
            for age in range(args["reports_per_installation"], 0, -1):
                sent_at = now - timedelta(days=age - 1, seconds=rng.randint(0, 3600))
                reports.append(
                    sample.report(rng, owner, sent_at=sent_at, installed=args["installed"])
                )
        body = gzip.compress(json.dumps({"reports": reports}).encode(), compresslevel=6)
        (Path(directory) / f"{number:06d}.json.gz").write_bytes(body)
        size += len(body)
    return size


def batches_generate(directory: Path, args: argparse.Namespace) -> dict:
    """Write ``args.batches`` gzip'd bodies; every report ID differs (random 122 bits each)."""
    started = time.perf_counter()
    settings = {
        "seed": args.seed,
        "installations": args.installations,
        "installations_per_batch": args.installations_per_batch,
        "reports_per_installation": args.reports_per_installation,
        "installed": args.installed,
    }
    now_iso = datetime.now(UTC).isoformat()
    processes = max(1, os.cpu_count() or 1)
    chunk = -(-args.batches // processes)
    jobs = [
        (str(directory), first, min(chunk, args.batches - first), settings, now_iso)
        for first in range(0, args.batches, chunk)
    ]
    with ProcessPoolExecutor(processes) as pool:
        gzipped = sum(pool.map(_generate, jobs))
    raw = len(gzip.decompress((directory / "000000.json.gz").read_bytes()))
    return {
        "seconds": time.perf_counter() - started,
        "gzip_bytes": gzipped // args.batches,
        "json_bytes": raw,
    }
