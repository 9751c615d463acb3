"""Type-check the app code with mypy and fail only on errors that are not in the baseline.

Run from the checkout (``make lint`` does)::

    .venv/bin/python tools/typecheck.py                 # fail on errors not in the baseline
    .venv/bin/python tools/typecheck.py --update        # drop fixed errors from the baseline
    .venv/bin/python tools/typecheck.py --update --allow-growth   # accept today's errors

mypy reads its settings (the app packages, the django-stubs and DRF plugins) from
``[tool.mypy]`` in pyproject.toml. The known errors are in tools/mypy-baseline.txt, one a line as
``path: [code] message``, without line numbers, counted as a multiset: an error listed twice
may occur twice in that file.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from typing import Any

import baseline
from codebase import ROOT

BASELINE = ROOT / "tools" / "mypy-baseline.txt"
HEADER = """
mypy errors the app code has today, one a line as "path: [code] message" (no line numbers).
`python tools/typecheck.py` fails on any error not listed here (or listed fewer times).
Fixed some? `python tools/typecheck.py --update` removes them from this file.
"""
LINE_NUMBER = re.compile(r"\bline \d+\b")


def run_mypy() -> list[dict[str, Any]]:
    """mypy's errors as the dictionaries of its JSON output; exits when mypy itself fails."""
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--output", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    sys.stderr.write(result.stderr)
    errors = []
    for line in result.stdout.splitlines():
        if line.startswith("{"):
            row = json.loads(line)
            if row.get("severity") == "error":
                errors.append(row)
        elif line.strip():
            print(line)
    if result.returncode not in (0, 1) or (result.returncode == 1 and not errors):
        for error in errors:
            print(finding(error).detail)
        sys.exit(f"mypy could not check the code (exit code {result.returncode}).")
    return errors


def finding(error: dict[str, Any]) -> baseline.Finding:
    """An error as the baseline keeps it, and as mypy shows it with its line."""
    message = LINE_NUMBER.sub("line N", error["message"])
    code = error.get("code") or "misc"
    path = error["file"].replace("\\", "/")
    return baseline.Finding(
        key=f"{path}: [{code}] {message}",
        detail=f"{path}:{error['line']}: {error['message']}  [{code}]",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    baseline.add_arguments(parser)
    options = parser.parse_args()
    errors = sorted(run_mypy(), key=lambda error: (error["file"], error["line"], error["column"]))
    findings = [finding(error) for error in errors]
    return baseline.check(
        findings,
        BASELINE,
        what="mypy errors",
        script="tools/typecheck.py",
        header=HEADER,
        options=options,
    )


if __name__ == "__main__":
    sys.exit(main())
