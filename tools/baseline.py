"""Known findings kept in a committed file, so a check fails only on new ones.

A baseline file holds one finding a line, without line numbers, so unrelated edits do not shift
it. It is read as a multiset: a finding listed twice allows two occurrences. Lines starting with
``#`` are comments.
"""

from __future__ import annotations

import argparse
import textwrap
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from codebase import relative


@dataclass(frozen=True)
class Finding:
    """One problem found: ``key`` is compared with the baseline, ``detail`` is shown to people."""

    key: str
    detail: str


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every baseline check takes."""
    parser.add_argument(
        "--update",
        action="store_true",
        help="rewrite the baseline with today's findings (it may only shrink)",
    )
    parser.add_argument(
        "--allow-growth",
        action="store_true",
        help="with --update, accept findings that are not in the baseline yet",
    )
    parser.add_argument(
        "--all", action="store_true", help="show every finding, not only the new ones"
    )


def read(path: Path) -> Counter[str]:
    """The findings a baseline file accepts, each with how often it may occur."""
    if not path.exists():
        return Counter()
    lines = path.read_text(encoding="utf-8").splitlines()
    return Counter(line for line in lines if line.strip() and not line.startswith("#"))


def write(path: Path, findings: Counter[str], header: str) -> None:
    """Store the findings, sorted, after a comment header."""
    comments = [f"# {line}".rstrip() for line in header.strip().splitlines()]
    lines = sorted(findings.elements())
    path.write_text("\n".join([*comments, *lines]) + "\n", encoding="utf-8")


def _show(
    findings: list[Finding], keys: Iterable[str], found: Counter[str], known: Counter[str]
) -> None:
    """Print the findings under each key, with the counts when a key occurs more than once."""
    for key in keys:
        details = [finding.detail for finding in findings if finding.key == key]
        if len(details) == 1 and not known[key]:
            print(textwrap.indent(details[0], "  "))
            continue
        print(f"  {key}  ({found[key]} found, {known[key]} in the baseline)")
        for detail in details:
            print(textwrap.indent(detail, "      "))


def check(
    findings: Iterable[Finding],
    path: Path,
    *,
    what: str,
    script: str,
    header: str,
    options: argparse.Namespace,
) -> int:
    """Compare the findings with the baseline at ``path``, print a report, return the exit code.

    ``what`` names the findings in the report ("mypy errors"), ``script`` is the command that
    updates the baseline and ``header`` the comment written at the top of the file.

    With ``options.update`` the baseline is rewritten instead, unless that would add findings to
    it and ``options.allow_growth`` is not set.
    """
    findings = list(findings)
    found = Counter(finding.key for finding in findings)
    known = read(path)
    new = found - known
    fixed = known - found
    name = relative(path)

    if options.all:
        print(f"All {sum(found.values())} {what}:")
        _show(findings, dict.fromkeys(finding.key for finding in findings), found, known)
    if new:
        print(f"{sum(new.values())} new {what} not in {name}:")
        _show(findings, dict.fromkeys(f.key for f in findings if f.key in new), found, known)

    if options.update:
        if new and not options.allow_growth:
            print(
                f"Not updating {name}: it would grow. Fix the {what} above, or run "
                f"`python {script} --update --allow-growth` to accept them."
            )
            return 1
        write(path, found, header)
        print(
            f"Wrote {name}: {sum(found.values())} {what} "
            f"(was {sum(known.values())}; {sum(fixed.values())} fixed, "
            f"{sum(new.values())} added)."
        )
        return 0

    print(
        f"{name} lists {sum(known.values())} {what}; {sum(found.values())} found now: "
        f"{sum(fixed.values())} of the listed fixed, {sum(new.values())} new."
    )
    if fixed:
        print(f"Run `python {script} --update` to shrink the baseline.")
    return 1 if new else 0
