"""A bound on how deeply a JSON body may nest, checked before any parser recurses into it.

Python's and msgspec's JSON decoders recurse once per level, so a 2 KB body of nested brackets
ends in a RecursionError (a 500) long before any size limit applies. No NovaDesk body nests
more than a handful of levels; anything deeper than ``MAX_JSON_DEPTH`` is refused with a 400.
"""

from __future__ import annotations

import re

MAX_JSON_DEPTH = 32

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_A_BRACKET = bytes(sorted(set(range(256)) - set(b"[]{}")))
_INNERMOST_PAIR = re.compile(rb"\[\]|\{\}")


class JSONTooDeep(ValueError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"The JSON body nests deeper than {limit} levels.")


def json_depth_exceeds(raw: bytes | str, *, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``raw`` nests arrays and objects more than ``limit`` levels deep.

    Strings are removed first (brackets inside them do not count), then everything but the
    brackets; each pass then removes the innermost empty pairs, one level at a time, all at C
    speed. Brackets that do not pair up are left for the JSON parser to name.
    """
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_A_BRACKET)
    for _level in range(limit):
        if not brackets:
            return False
        shorter = _INNERMOST_PAIR.sub(b"", brackets)
        if len(shorter) == len(brackets):
            return False  # unbalanced, not deep: the parser's error says what is wrong
        brackets = shorter
    return len(_INNERMOST_PAIR.sub(b"", brackets)) < len(brackets)


def json_depth_check(raw: bytes | str, *, limit: int = MAX_JSON_DEPTH) -> None:
    """Raise ``JSONTooDeep`` when ``raw`` nests more than ``limit`` levels."""
    if json_depth_exceeds(raw, limit=limit):
        raise JSONTooDeep(limit)
