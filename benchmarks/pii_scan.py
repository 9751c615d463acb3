#!/usr/bin/env python
"""Scans per second of telemetry.pii.scan, the check every usage-report value goes through.

    python benchmarks/pii_scan.py [--values 500000] [--seed 1]

Prints two figures for one process on one core:

* cached: a mixed stream as ingestion sees it, where about 2,000 distinct software names,
  versions, OS editions, CPU models and disk types repeat with a skewed frequency and one value
  in a thousand holds personal data;
* uncached: values that are all distinct (each name with its own version), so every call misses
  the verdict cache and goes through the first pass and, where it matches, the detectors.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telemetry import pii

VENDORS = [
    "Microsoft", "Adobe", "Mozilla", "Google", "Intel(R)", "NVIDIA", "Realtek", "Dell", "HP",
    "Lenovo", "Veeam", "NovaBACKUP", "TeamViewer", "Oracle", "VMware", "Kaspersky", "DATEV",
    "Brother", "Canon", "Logitech", "Samsung", "Zoom", "Cisco", "SAP", "Autodesk",
]  # fmt: skip
PRODUCTS = [
    "Visual C++ 2015-2022 Redistributable (x64)", "Acrobat Reader DC", "Firefox (x64 de)",
    "Chrome", "Management Engine Components", "Grafiktreiber", "High Definition Audio Driver",
    "SupportAssist OS Recovery Plugin for Dell Update", "Support Assistant", "Vantage Service",
    "Agent for Microsoft Windows", "Backup Client", "Host", "VM VirtualBox", "Tools",
    "Endpoint Security für Windows", "Arbeitsplatz", "MFL-Pro Suite", "Options",
    "Samsung Magician", "Workplace", "Webex Meetings", "GUI for Windows",
    "DWG TrueView - Deutsch (German)", "Office Professional Plus 2019 - de-de",
    "365 Apps for business - de-de", "Edge WebView2 Runtime", "Update Health Tools",
    "Teams (work or school)", "OneDrive", ".NET Framework 4.8.1 Targeting Pack",
]  # fmt: skip
FIXED = [
    "Intel(R) Core(TM) i7-8700 CPU @ 3.20GHz", "AMD Ryzen 7 5800X 8-Core Processor",
    "Windows 10 Pro", "Windows 11 Pro", "Windows Server 2022 Datacenter", "Ubuntu 22.04.3 LTS",
    "10.0.19045", "KB5005565", "16.0.17029.20108", "ssd", "hdd", "nvme", "hyper-v", "vmware",
]  # fmt: skip
PERSONAL = [
    "jane.doe@example.de", "0171 1234567", "Musterstraße 12", "4111 1111 1111 1111",
    "DE89 3704 0044 0532 0130 00", "C:\\Users\\jane\\AppData", "please call me back tomorrow",
]  # fmt: skip


def version(rng: random.Random) -> str:
    return ".".join(
        str(rng.randrange(limit)) for limit in (30, 10, 40000, 30000)[: rng.randint(2, 4)]
    )


def distinct_pool(rng: random.Random, size: int) -> list[str]:
    pool = set(FIXED)
    while len(pool) < size:
        name = f"{rng.choice(VENDORS)} {rng.choice(PRODUCTS)}"
        pool.add(name if rng.random() < 0.3 else f"{name} {version(rng)}")
    return sorted(pool)


def mixed_stream(rng: random.Random, count: int) -> list[str]:
    pool = distinct_pool(rng, 2_000)
    # A few names (runtimes, browsers, drivers) are on almost every machine: a Zipf-like skew.
    weights = [1 / (rank + 1) for rank in range(len(pool))]
    stream = rng.choices(pool, weights=weights, k=count)
    for index in range(0, count, 1_000):
        stream[index] = rng.choice(PERSONAL)
    return stream


def all_distinct(rng: random.Random, count: int) -> list[str]:
    values = []
    for index in range(count):
        name = f"{rng.choice(VENDORS)} {rng.choice(PRODUCTS)}"
        values.append(f"{name} {index % 97}.{index // 97}.{rng.randrange(10000)}")
    return values


def rate(values: list[str]) -> tuple[float, int]:
    scan = pii.scan
    started = time.perf_counter()
    found = sum(1 for value in values if scan(value) is not None)
    return len(values) / (time.perf_counter() - started), found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)  # noqa: S311 - a reproducible corpus, not a secret

    stream = mixed_stream(rng, args.values)
    distinct = all_distinct(rng, args.values)
    if len(set(distinct)) != len(distinct):
        sys.exit("the uncached values repeat; change the generator")

    pii._scan_cached.cache_clear()
    cached, cached_found = rate(stream)
    # The uncached run starts with an empty cache and never hits it.
    pii._scan_cached.cache_clear()
    uncached, uncached_found = rate(distinct)

    print(f"{'case':<10} {'values':>9} {'flagged':>8} {'scans/s':>12}")
    print(f"{'cached':<10} {len(stream):>9,} {cached_found:>8,} {cached:>12,.0f}")
    print(f"{'uncached':<10} {len(distinct):>9,} {uncached_found:>8,} {uncached:>12,.0f}")


if __name__ == "__main__":
    main()
