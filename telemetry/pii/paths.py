"""User names in the file system paths of a usage report's values (see ``telemetry.pii``)."""

from __future__ import annotations

import re

_PROFILE_PATH = re.compile(
    r"""
    (?: (?<![^\s"'=(,;]) | [a-z]: | \\\\[^\\/\s]+ | /(?:var|usr|export) )  # root, drive or share
    [\\/]+
    (?: users | benutzer | documents\ and\ settings | dokumente\ und\ einstellungen
      | home\$? | profiles?\$? )
    [\\/]+
    (?P<name>[^\\/:*?"<>|\r\n\t]+)
    """,
    re.IGNORECASE | re.VERBOSE,
)
_TILDE_USER = re.compile(r"(?<![^\s\"'=(,;])~(?P<name>[a-z_][\w.-]*)(?=[\\/\s\"'),;]|$)", re.I)
_SHARED_PROFILES = frozenset({"public", "default", "default user", "all users", "shared"})
_PLACEHOLDER = re.compile(r"%\w+%|\$\{?\w+\}?|\{\w+\}")


def has_user_path(value: str) -> bool:
    """Whether the value holds a path through a person's profile folder, or ``~name``."""
    for match in _PROFILE_PATH.finditer(value):
        name = match.group("name").strip()
        if name and not _is_generic_profile(name):
            return True
    return any(
        not _is_generic_profile(match.group("name")) for match in _TILDE_USER.finditer(value)
    )


def _is_generic_profile(name: str) -> bool:
    return name.lower() in _SHARED_PROFILES or _PLACEHOLDER.fullmatch(name) is not None
