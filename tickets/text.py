"""Customer text hygiene: passwords pasted into a request are masked before anything stores them.

Customers write passwords in many ways ("Passwort für TeamViewer: abc123", "my password is
hunter2", "Zugangsdaten: admin / Geheim!23", ``Password=abc;``), and they also write about
passwords without giving one, above all in the log lines they paste ("wrong password for user
backup", "password policy check passed"). The detector looks for a password label and then for
an assignment the way people write one; only the secret itself is replaced, so the engineer
still reads which password the customer meant. The phrasings it must handle, both ways, are the
corpus in ``tests/tickets/corpus/password_phrases.tsv``: a new phrasing goes there first.

Secret scanners (detect-secrets, gitleaks and the like) look for API keys and high-entropy
tokens; "Passwort ist geheim123" is neither, which is why this is written by hand.
"""

from __future__ import annotations

import re

MASK = "********"

# --- Labels -------------------------------------------------------------------------------------

# A label starts a word; "_" and "." may come before it so that config keys such as
# db_password= or smtp.password: count, but "Bypass" or "Kennwortrichtlinie" do not.
_LABEL = re.compile(
    r"(?<![^\W_])(?:"
    # A user name and a password together: "Zugangsdaten: admin / Geheim!23".
    r"(?P<pair>(?:user(?:name)?|benutzer(?:name)?|login)\s*/\s*(?:password|passwort|kennwort"
    r"|pass|pwd|pw)|credentials|creds|login|logon|zugangsdaten|anmeldedaten|logindaten)"
    # Words that always mean a password. German compounds ("Adminpasswort") end in the label.
    r"|(?P<strong>[^\W\d_]*(?:passwort|kennwort)(?:es|e|s)?|passwords?|passwd|passphrase"
    r"|passcode|pwd|pw)"
    # Words that are also ordinary English ("pass the test", "the pin is bent"): only with ":"
    # or "=" do they introduce a secret. The PIN of a remote-assistance tool is one.
    r"|(?P<weak>pass|pin(?:[- ]?code)?)"
    r")(?![^\W_])",
    re.IGNORECASE,
)

# Which password: "for TeamViewer", "für den NAS", "of the admin account", "des Administrators".
# A few word-like tokens only, so a log line's "(id: 5)" never becomes part of it.
_QUALIFIER = (
    r"(?:\s+(?:for|of|on|to|für|fürs|des|der|vom|von|zum|zur|am|beim|bei)"
    r"(?:\s+[\w.@\\/-]+){1,4}?)?"
)
_VERB = (
    r"(?:is|was|are|were|would\s+be|will\s+be|should\s+be|ist|war|sind|waren|lautet|lautete"
    r"|lauten|heißt|heisst|wäre|sei)"
)
# Words between the verb and the value that are not the value ("is now hunter3").
_ADVERB = (
    r"(?:now|still|currently|previously|as\s+follows|jetzt|nun|noch|aktuell|momentan|bisher|zuvor"
    r"|wie\s+folgt)"
)
# The assignment after a label: a verb and/or ":" or "=". A closing quote may follow the label,
# as in JSON ("password": "…").
_ASSIGNMENT = re.compile(
    _QUALIFIER
    + r"(?:\s+(?P<verb>"
    + _VERB
    + r")\b(?:\s+"
    + _ADVERB
    + r"\b)?[ \t]*(?P<verb_sep>[:=])?|[\"'”]?[ \t]*(?P<sep>[:=]))[ \t]*",
    re.IGNORECASE,
)
# "Passwort 8x7k2pq", "set the password to Welcome1": no verb, no separator, so the next word
# is a secret only if it looks like one (see _looks_secret).
_LOOSE = re.compile(r"[ \t]+(?:(?:to|auf)[ \t]+)?", re.IGNORECASE)

# --- Values -------------------------------------------------------------------------------------

# Opening and closing quotes, the German low-high pairs and guillemets included.
_QUOTES = {
    '"': '"', "'": "'", "`": "`", "\u201e": "\u201c", "\u201c": "\u201d", "\u201a": "\u2018",
    "\u00ab": "\u00bb", "\u00bb": "\u00ab",
}  # fmt: skip
# A value ends at whitespace, or at ";" and "," as in connection strings and lists.
_TOKEN = re.compile(r"[^\s;,]+")
_NEXT_TOKEN = re.compile(r" (?P<token>[^\s;,]+)")
_ALONE_ON_NEXT_LINE = re.compile(r"\r?\n[ \t]*(?P<token>\S+)[ \t]*(?=\r?\n|$)")

# Placeholders and already masked values are not secrets: "password: <none>", "Passwort:
# ******", "password=%PASSWORD%" (a script's variable). Keeping them also makes masking
# idempotent, so text masked twice (mail, then service) reads the same.
_PLACEHOLDER = re.compile(
    r"[*•●xX]+|<[^<>]*>|\[[^\[\]]*\]|\([^()]*\)|\{[^{}]*\}|%\w+%|\$\{?\w+\}?|-+|n/?a|none|null"
    r"|nil|empty|blank|hidden|redacted|masked|unset|not\s+set|keine?s?|leer|password|passwort"
    r"|kennwort",
    re.IGNORECASE,
)

# Words that follow "the password is" / "password:" in sentences and log lines that talk about
# a password without giving it ("the password is wrong", "Passwort ist abgelaufen", "password:
# see the attachment").
_NOT_SECRETS = {
    "not", "no", "wrong", "incorrect", "correct", "invalid", "valid", "expired", "required",
    "missing", "unknown", "known", "same", "different", "too", "very", "also", "already",
    "being", "been", "set", "changed", "reset", "saved", "stored", "sent", "encrypted",
    "case-sensitive", "ok", "okay", "fine", "right", "accepted", "rejected", "a", "an", "the",
    "my", "your", "our", "his", "her", "their", "this", "that", "it", "it's", "in", "on", "at",
    "for", "of", "to", "from", "with", "without", "and", "or", "but", "see", "attached",
    "below", "above", "optional", "needed", "weak", "strong", "long", "short", "secure",
    "about", "probably", "just", "only", "never", "always", "meant", "locked", "disabled",
    "enabled", "protected", "greyed", "shown", "displayed", "asked", "requested", "like",
    "nicht", "kein", "keine", "falsch", "richtig", "korrekt", "ungültig", "gültig",
    "abgelaufen", "erforderlich", "notwendig", "nötig", "unbekannt", "bekannt", "gleich",
    "identisch", "anders", "zu", "sehr", "auch", "schon", "bereits", "geändert",
    "zurückgesetzt", "gespeichert", "verschlüsselt", "gesetzt", "gesperrt", "versteckt", "der",
    "die", "das", "ein", "eine", "einen", "mein", "meine", "dein", "ihr", "unser", "im",
    "auf", "für", "mit", "ohne", "und", "oder", "aber", "siehe", "anbei", "unten", "oben",
    "sicher", "unsicher", "lang", "kurz", "schwach", "stark", "leider", "wohl", "vermutlich",
    "nur", "immer", "nie", "hier", "dort", "da", "wie", "gemeint",
}  # fmt: skip
_CONJUNCTIONS = {"and", "or", "but", "und", "oder", "aber"}
# "wrong password for user backup: access denied" is a log line, not a disclosure.
_ERROR_WORDS = {
    "wrong", "bad", "invalid", "incorrect", "expired", "missing", "empty", "forgot",
    "forgotten", "falsch", "falsches", "falsche", "falschen", "ungültig", "ungültiges",
    "ungültige", "abgelaufen", "abgelaufenes", "abgelaufene", "vergessen", "vergessenes",
    "leeres",
}  # fmt: skip
_PREVIOUS_WORD = re.compile(r"([^\W\d_]+)\W*$")

_WORD = re.compile(r"[^\W\d_]+")
_HEX_OR_VERSION = re.compile(r"0x[0-9a-f]+|v?\d+(?:\.\d+)+|\d{1,4}[-./:]\d{1,2}[-./:]\d{1,4}", re.I)
_SECRET_SYMBOLS = set("!@#$%^&*+~?")

# Secrets outside prose: credentials in a URL and password elements of XML configuration.
_URL_USERINFO = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s:/@]+:(?P<secret>[^\s@/]+)@", re.I)
_XML_ELEMENT = re.compile(
    r"<(?P<tag>[\w:.-]*(?:password|passwort|kennwort|passwd|pwd))>(?P<secret>[^<\n]+)"
    r"</(?P=tag)>",
    re.IGNORECASE,
)


def _bare(token: str) -> str:
    return token.lower().strip(".,:;!?\"'()")


def _looks_secret(token: str, *, min_length: int) -> bool:
    """Letters mixed with digits or symbols, and not an error code, version or date."""
    if len(token) < min_length or "=" in token or token.endswith(":") or "://" in token:
        return False
    if _HEX_OR_VERSION.fullmatch(token) or _LABEL.fullmatch(token):
        return False
    # A question or exclamation mark at the end ends the sentence ("the password wrong?").
    core = token.rstrip("!?")
    has_letter = any(char.isalpha() for char in core)
    has_other = any(char.isdigit() or char in _SECRET_SYMBOLS for char in core)
    return has_letter and has_other


def _trim(token: str) -> str:
    """Leave sentence punctuation and an unbalanced closing bracket outside the secret."""
    while token and (
        token[-1] in ".:"
        or (token[-1] == ")" and token.count("(") < token.count(")"))
        or (token[-1] == "]" and token.count("[") < token.count("]"))
    ):
        token = token[:-1]
    return token


def _quoted(text: str, start: int) -> tuple[int, int] | None:
    closing = _QUOTES.get(text[start : start + 1])
    if closing is None:
        return None
    end = text.find(closing, start + 1)
    line_end = text.find("\n", start)
    if end <= start + 1 or (line_end != -1 and end > line_end):
        return None
    return start + 1, end


def _value(text: str, start: int, *, prose: bool) -> tuple[int, int] | None:
    """The span of the secret that starts at ``start``, or None if what is there is none.

    ``prose`` is true after a verb or ":" where sentences go on ("password: could you reset
    it?"); after "=" the text is configuration and any value is one.
    """
    quoted = _quoted(text, start)
    if quoted:
        inner = text[quoted[0] : quoted[1]].strip()
        return None if not inner or _PLACEHOLDER.fullmatch(inner) else quoted
    match = _TOKEN.match(text, start)
    if not match:
        return None
    token = _trim(match.group())
    if not token or _PLACEHOLDER.fullmatch(token) or _bare(token) in _NOT_SECRETS:
        return None
    if _LABEL.fullmatch(token.rstrip(":=")) and match.group().rstrip().endswith((":", "=")):
        return None  # "login: admin / pass: …": the next label carries the secret
    end = start + len(token)
    following = _NEXT_TOKEN.match(text, end)
    if prose and _WORD.fullmatch(token) and following:
        # "the password is stored in the vault": a word followed by more words is a sentence.
        word = _bare(following.group("token"))
        if _WORD.fullmatch(word) and word.islower() and word not in _CONJUNCTIONS:
            return None
    # "P@ss w0rd": a secret with a space goes on while the next piece still looks like one.
    while token == match.group() and following:
        piece = following.group("token")
        trimmed = _trim(piece)
        if not _looks_secret(trimmed, min_length=3):
            break
        end = following.start("token") + len(trimmed)
        if trimmed != piece:
            break
        following = _NEXT_TOKEN.match(text, end)
    return start, end


_PAIR_USER = re.compile(r"(?P<user>[^\s/:,;]+)(?:[ \t]*/[ \t]*|:)")
_LABEL_WITH_SEPARATOR = re.compile(r"\w+[ \t]*[:=]")


def _pair_secret(text: str, start: int) -> tuple[int, int] | None:
    """The password of "admin / Geheim!23" or "admin:Geheim!23" after a credentials label."""
    match = _PAIR_USER.match(text, start)
    if not match or _LABEL.fullmatch(match.group("user")) or match.group("user").isdigit():
        return None  # "Login: 10:14:03" is a time, not a user name
    rest = match.end()
    if text.startswith("/", rest):
        return None  # "Login: https://portal.example.com"
    if _LABEL.match(text, rest) and _LABEL_WITH_SEPARATOR.match(text, rest):
        return None  # "login: admin / pass: xyz987": the "pass" label carries the secret
    return _value(text, rest, prose=False)


def _secret_after(label: re.Match, text: str) -> tuple[int, int] | None:
    """Where the secret introduced by this label is, or None if the label introduces none."""
    previous = _PREVIOUS_WORD.search(text, max(0, label.start() - 40), label.start())
    if previous and previous.group(1).lower() in _ERROR_WORDS:
        return None
    assignment = _ASSIGNMENT.match(text, label.end())
    if assignment:
        has_separator = bool(assignment.group("sep") or assignment.group("verb_sep"))
        if label.group("weak") and not has_separator:
            return None
        if label.group("pair"):
            return _pair_secret(text, assignment.end())
        prose = assignment.group("sep") != "=" and assignment.group("verb_sep") != "="
        alone = _ALONE_ON_NEXT_LINE.match(text, assignment.end()) if has_separator else None
        if alone:
            # A mail laid out as "Passwort:" with the password alone on the line below.
            return _value(text, alone.start("token"), prose=False)
        return _value(text, assignment.end(), prose=prose)
    if label.group("strong"):
        loose = _LOOSE.match(text, label.end())
        token = loose and _TOKEN.match(text, loose.end())
        if token and _looks_secret(_trim(token.group()), min_length=6):
            return token.start(), token.start() + len(_trim(token.group()))
    return None


def mask_passwords(text: str) -> str:
    """Replace every password in ``text`` with a mask; keep everything else as written."""
    spans = [
        match.span("secret")
        for pattern in (_URL_USERINFO, _XML_ELEMENT)
        for match in pattern.finditer(text)
        if not _PLACEHOLDER.fullmatch(match.group("secret").strip())
    ]
    covered_until = 0
    for label in _LABEL.finditer(text):
        if label.start() < covered_until:
            continue
        span = _secret_after(label, text)
        if span and not any(start < span[1] and span[0] < end for start, end in spans):
            spans.append(span)
            covered_until = span[1]
    for start, end in sorted(spans, reverse=True):
        text = f"{text[:start]}{MASK}{text[end:]}"
    return text
