"""Customer text hygiene: passwords pasted into a request are masked before anything stores them."""

from __future__ import annotations

import re

MASK = "********"

# "password: hunter2", "Passwort = geheim", "pwd hunter2", "Kennwort: …", "pw: …", "pass: …"
_PASSWORD = re.compile(
    r"(?P<label>\b(?:passwords?|passwort(?:e)?|kennwort|kennwörter|pass(?:code|phrase)?|pwd|pw)\b"
    r"(?:\s+(?:is|ist|lautet|was|war))?\s*[:=]?\s*)"
    r"(?P<value>\"[^\"\n]+\"|'[^'\n]+'|[^\s,;]+)",
    re.IGNORECASE,
)
# Words that follow "password" in ordinary sentences and are not a password.
_NOT_SECRETS = {
    "reset", "resets", "change", "changed", "field", "prompt", "manager", "policy", "for",
    "of", "to", "and", "or", "the", "a", "an", "is", "was", "will", "has", "have", "not",
    "vergessen", "zurücksetzen", "geändert", "für", "der", "die", "das", "ist", "wird", "nicht",
    "und", "oder", "feld", "expired", "abgelaufen", "incorrect", "wrong", "falsch", "again",
}  # fmt: skip


def mask_passwords(text: str) -> str:
    """Replace what follows a password label with a mask; keep everything else as written."""

    def replace(match: re.Match) -> str:
        value = match.group("value").strip("\"'")
        label = match.group("label")
        has_separator = any(sep in label for sep in ":=")
        if not has_separator and value.lower().strip(".!?") in _NOT_SECRETS:
            return match.group(0)
        if not has_separator and len(value) < 4:
            return match.group(0)
        return f"{label}{MASK}"

    return _PASSWORD.sub(replace, text)
