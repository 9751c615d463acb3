"""A bound on how deeply a JSON body may nest, checked before any parser recurses into it.

Python's and msgspec's JSON decoders recurse once per level, so a 2 KB body of nested brackets
ends in a RecursionError (a 500) long before any size limit applies. No NovaDesk body nests
more than a handful of levels; anything deeper than ``MAX_JSON_DEPTH`` is refused with a 400.
The check runs on every usage-report batch, so each step is a C-speed bytes operation.
"""

from __future__ import annotations

import re

MAX_JSON_DEPTH = 32

_KEEP_QUOTES_AND_BRACKETS = bytes(sorted(set(range(256)) - set(b'"[]{}')))
_QUOTED = re.compile(rb'"[^"]*"')


class JSONTooDeep(ValueError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"The JSON body nests deeper than {limit} levels.")


def _brackets(raw: bytes) -> bytes:
    """The brackets of ``raw`` outside its strings, in order."""
    if b"\\" in raw:
        # Escapes pair up left to right: an escaped backslash, then an escaped quote.
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    marks = raw.translate(None, _KEEP_QUOTES_AND_BRACKETS)
    # Two quotes in a row enclose no bracket (a string, or the gap between two strings): drop
    # them in one pass; the quotes left still alternate, so the few strings holding brackets go.
    return _QUOTED.sub(b"", marks.replace(b'""', b""))


def json_depth_exceeds(raw: bytes | str, *, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``raw`` nests arrays and objects more than ``limit`` levels deep.

    Each pass removes the innermost empty pairs, one level at a time. What cannot be paired
    (a body cut short, or brackets that do not match) is counted as open: a parser would
    descend into every one of those before it noticed the error.
    """
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    brackets = _brackets(raw)
    for level in range(limit + 1):
        if not brackets:
            return False
        shorter = _innermost_pairs_removed(brackets)
        if len(shorter) == len(brackets):
            return level + brackets.count(b"[") + brackets.count(b"{") > limit
        brackets = shorter
    return True


def _innermost_pairs_removed(brackets: bytes) -> bytes:
    # A placeholder keeps "{[]}" from losing both levels in one pass.
    return brackets.replace(b"[]", b"\0").replace(b"{}", b"\0").replace(b"\0", b"")


def json_depth_check(raw: bytes | str, *, limit: int = MAX_JSON_DEPTH) -> None:
    """Raise ``JSONTooDeep`` when ``raw`` nests more than ``limit`` levels."""
    if json_depth_exceeds(raw, limit=limit):
        raise JSONTooDeep(limit)
