"""E-mail addresses and phone numbers: the ways to reach a person, as they are written
into the identifier-like values of a usage report (see ``telemetry.pii``)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import phonenumbers

# --- E-mail -----------------------------------------------------------------------------------

_DOT = r"(?:\.|\s*[(\[{<]\s*(?:dot|punkt)\s*[)\]}>]\s*)"
# Labels of letters, digits and hyphens after the @, the last one starting with a letter (so
# that "CPU@3.20GHz" is no address). Any character but a space may stand before the @: local
# parts hold !#$%&'*+/=?^`{|}~ and more; that is checked in code.
_EMAIL_DOMAIN = re.compile(rf"@[^\W_][\w-]*(?:{_DOT}[\w-]+)*?{_DOT}[^\W\d_][\w-]*", re.IGNORECASE)
# "(at)" and its kin after a local part (checked in code), then a domain as above.
_OBFUSCATED_EMAIL = re.compile(
    rf"[(\[{{<]\s*(?:at|ät)\s*[)\]}}>]\s*[^\W_][\w-]*(?:{_DOT}[\w-]+)*?{_DOT}[^\W\d_]",
    re.IGNORECASE,
)


def has_email(value: str) -> bool:
    """Whether the value holds an e-mail address written as such."""
    if "@" not in value:
        return False
    for match in _EMAIL_DOMAIN.finditer(value):
        start = match.start()
        if start and not value[start - 1].isspace():
            return True
    return False


def has_obfuscated_email(value: str) -> bool:
    """Whether the value holds an e-mail address written with "(at)" and its kin."""
    if not ("(" in value or "[" in value or "{" in value or "<" in value):
        return False
    for match in _OBFUSCATED_EMAIL.finditer(value):
        local_end = value[: match.start()].rstrip()[-1:]
        if local_end.isalnum() or local_end in ("_", ".", "+", "-"):
            return True
    return False


# --- Phone ------------------------------------------------------------------------------------

# An extension after the number: "x123", "ext. 123".
_EXTENSION = r"(?:\s?(?:x|ext\.?\s?)[0-9]{1,5})?"
_INTERNATIONAL_PHONE = re.compile(
    r"(?:\+(?<![\w.+]\+)|00(?<![\w.+]00))[1-9](?:[ /-]?\(?[0-9]+\)?)+" + _EXTENSION + r"(?![\w.])"
)
_GERMAN_PHONE = re.compile(
    r"(?:\((?<![\w.+/-]\()0[1-9][0-9]{1,4}\)|0(?<![\w.+/-]0)[1-9][0-9]{1,4})"
    r"(?:[ /-]?[0-9]+)+(?![\w.])"
)
_NORTH_AMERICAN_PHONE = re.compile(
    r"(?:\((?<![\w.]\()[2-9][0-9]{2}\) ?[0-9]{3}[ -]|[2-9](?<![\w.][2-9])[0-9]{2}([ -])[0-9]{3}\1)"
    r"[0-9]{4}" + _EXTENSION + r"(?!\w|[.-][0-9])"
)
# 555.123.4567, and not a part of a longer dotted version.
# (Patterns that start with a plain character class rather than a lookbehind let the regex
# engine skip quickly to the candidates; this and other lookbehinds come after the first digit.)
DOTTED_PHONE = re.compile(
    r"[2-9](?<![\w.][2-9])[0-9]{2}\.[0-9]{3}\.[0-9]{4}" + _EXTENSION + r"(?!\w|\.[0-9])"
)
_PHONE_GROUP_END = re.compile(r"[ /-]\(?[0-9]+\)?$")


# Fewer digits than this (with the country code or the trunk 0) are a fragment, not a number
# anyone could be called on ("030 123").
_PHONE_MIN_DIGITS = 8


def _phone_prefixes(candidate: str) -> Iterator[str]:
    """Yield the candidate and its shorter forms without trailing digit groups."""
    while sum(c.isdigit() for c in candidate) >= _PHONE_MIN_DIGITS:
        yield candidate
        shorter = _PHONE_GROUP_END.sub("", candidate)
        if shorter == candidate:
            return
        candidate = shorter


def has_phone(value: str) -> bool:
    """Whether the value holds a phone number of the forms described in ``telemetry.pii``."""
    if _NORTH_AMERICAN_PHONE.search(value) or DOTTED_PHONE.search(value):
        return True
    has_prefix = "+" in value or "00" in value
    for match in _INTERNATIONAL_PHONE.finditer(value) if has_prefix else ():
        text = match.group()
        if text.startswith("00"):
            text = "+" + text[2:]
        for candidate in _phone_prefixes(text):
            number = _parse_phone(candidate, None)
            if number is not None and phonenumbers.is_possible_number(number):
                return True
    for match in _GERMAN_PHONE.finditer(value):
        for candidate in _phone_prefixes(match.group()):
            number = _parse_phone(candidate, "DE")
            if number is not None and phonenumbers.is_valid_number(number):
                return True
    return _has_national_phone(value)


# National numbers of these countries, as written there, found by phonenumbers' own matcher.
_PHONE_REGIONS = ("DE", "US", "GB", "FR", "IT")
# VALID: the number must be one the numbering plan assigns. POSSIBLE (a plausible length)
# reads most build numbers and dotted versions as numbers somewhere.
_PHONE_LENIENCY = phonenumbers.Leniency.VALID


# A number after one of these words is a build, version or article number ("Build 2015202201").
_NUMBER_LABEL_BEFORE = re.compile(
    r"(?:\bbuild|\bversion|\bver|\brev|\brelease|\bpatch|\bupdate|\bkb|\bno|\bnr|#)"
    r"\s?[.:]?\s?$",
    re.IGNORECASE,
)


def _has_national_phone(value: str) -> bool:
    """Whether phonenumbers finds a valid number of one of ``_PHONE_REGIONS`` in the value,
    standing apart (not inside a word, a dotted version or a longer number, not labelled as a
    build or version) with at least ``_PHONE_MIN_DIGITS`` digits."""
    for region in _PHONE_REGIONS:
        for match in phonenumbers.PhoneNumberMatcher(value, region, leniency=_PHONE_LENIENCY):
            raw = match.raw_string
            if (
                "." in raw
                or sum(c.isdigit() for c in raw) < _PHONE_MIN_DIGITS
                or _touches_word(value, match.start, match.end)
                or _NUMBER_LABEL_BEFORE.search(value, max(0, match.start - 10), match.start)
            ):
                continue
            return True
    return False


def _touches_word(value: str, start: int, end: int) -> bool:
    """Whether value[start:end] continues a word, a number or a dotted version."""
    before, after = value[max(0, start - 2) : start], value[end : end + 2]
    return (
        before[-1:].isalnum()
        or before[-1:] == "_"
        or (before[-1:] == "." and before[:1].isdigit())
        or after[:1].isalnum()
        or after[:1] == "_"
        or (after[:1] == "." and after[1:].isdigit())
    )


def _parse_phone(text: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
