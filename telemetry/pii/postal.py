"""Postal addresses in the identifier-like values of a usage report: German and US streets,
postcodes with a place, PO boxes (see ``telemetry.pii``)."""

from __future__ import annotations

import re

from telemetry.pii.prose import word_set

# Every address form below has a number of one to six digits at the start or after a space, a
# bracket, a comma or a dash ("D-80331"), not followed by more digits or a dot and digits:
# "2019" in "Windows Server 2019" is such a number, "14.36.32532" and "x64" hold none. The
# detector finds these numbers first and then looks at the words around each.
_NUMBER_WORD = re.compile(r"[0-9](?<![^\s(,-][0-9])[0-9]{0,5}(?![0-9]|\.[0-9])")
# 12, 5a, 12-14, 3 / 5 after the digits.
_HOUSE_NUMBER_END = re.compile(r"(?:\s?[a-z])?(?:\s?[-/]\s?[0-9]{1,4})?(?![\w.])", re.IGNORECASE)
# Musterstraße 12, Hauptstr. 5a, Berliner Allee 3, Kaiser-Wilhelm-Ring 5. "-ring" only after a
# hyphen so that "Spring 5" and "Keyring 2" stay clean.
_STREET_SUFFIXES = (
    "straße", "strasse", "str.", "str", "weg", "gasse", "platz", "allee", "damm", "ufer",
    "chaussee", "steig", "pfad", "markt", "-ring",
)  # fmt: skip
# Am Markt 3, Im Winkel 2, An der Alster 5, Unter den Linden 77.
_STREET_PREPOSITIONS = frozenset({"Am", "Im", "Zum", "Zur"})
_STREET_PREPOSITIONS_WITH_ARTICLE = frozenset(
    (preposition, article)
    for preposition in ("An", "Auf", "In", "Unter", "Hinter", "Vor", "Bei")
    for article in ("der", "den", "dem")
)
# 10115 Berlin: a capitalised place after a German postcode.
_PLACE = re.compile(r"\s(?P<place>[A-ZÄÖÜ][a-zäöüß]{2,})(?![\w.])")
# Words that follow a five-digit number in product names and are never a place.
_NOT_A_PLACE = word_set(
    "series edition update version build release pro plus ultra standard enterprise home server "
    "driver service pack runtime professional premium basic express mobile desktop kit sdk "
    "bit core"
)
# 123 Main St, 1600 Amphitheatre Parkway, 42 Elm Street Apt 5.
_US_STREET = re.compile(
    r"""
    \s(?:[NSEW]\.?\s)?(?P<name>(?:[A-Z][a-z]+\s){1,3})
    (?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Parkway|Pkwy
      |Place|Pl|Way|Terrace|Circle|Highway|Hwy|Square|Sq)\b
    """,
    re.VERBOSE,
)
# Words that name a product or a drive rather than a street ("Samsung 860 Evo Drive").
_NOT_A_STREET_NAME = word_set(
    "evo pro plus portable external internal hard solid state flash disk disc usb cloud backup "
    "network virtual google mirror one"
)
# Springfield, IL 62704 (searched in the few characters before the ZIP code).
_US_STATE_BEFORE = re.compile(
    r"[a-z],\s?(?:AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN"
    r"|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR)\s$"
)
# PO Box 123, P.O. Box 42, Post Office Box 7, Postfach 1234, Postfach Nr. 12.
_BOX_BEFORE = re.compile(
    r"(?:(?<![\w.])p\.?\s?o\.?\s?box|post\soffice\sbox|postfach(?:\snr\.?)?)\s$", re.IGNORECASE
)


def has_postal_address(value: str) -> bool:
    """Whether the value holds a street with a house number, a postcode with a place or a PO box."""
    for match in _NUMBER_WORD.finditer(value):
        start, end = match.span()
        digits = end - start
        before = value[max(0, start - 60) : start]
        if (
            digits <= 4
            and before[-1:].isspace()
            and _HOUSE_NUMBER_END.match(value, end)
            and _is_street(before.rstrip())
        ):
            return True
        if digits == 5 and (
            _US_STATE_BEFORE.search(value, max(0, start - 6), start) or _is_postcode(value, end)
        ):
            return True
        tail = before[-20:].lower()
        if ("box" in tail or "postfach" in tail) and _BOX_BEFORE.search(tail):
            return True
        if start == 0 or value[start - 1] in " (":
            street = _US_STREET.match(value, end)
            if street and _NOT_A_STREET_NAME.isdisjoint(street.group("name").lower().split()):
                return True
    return False


def _is_street(name: str) -> bool:
    """Whether the text before a house number ends with a German street name."""
    lowered = name.lower()
    if lowered.endswith(_STREET_SUFFIXES):
        for suffix in _STREET_SUFFIXES:
            if lowered.endswith(suffix):
                head = name[: -len(suffix)]
                # A compound ("Musterstraße") or a capitalised street word after a name
                # ("Berliner Straße"); a street word alone is not an address.
                if head[-2:].isalpha() or (
                    head[-1:] in (" ", "-")
                    and head[-3:-1].isalpha()
                    and name[-len(suffix)].isupper()
                ):
                    return True
    words = name.split()[-4:]
    for size in (1, 2):
        if len(words) > size and all(word[0].isupper() for word in words[-size:]):
            lead = words[:-size]
            if lead[-1] in _STREET_PREPOSITIONS:
                return True
            if len(lead) >= 2 and (lead[-2], lead[-1]) in _STREET_PREPOSITIONS_WITH_ARTICLE:
                return True
    return False


def _is_postcode(value: str, end: int) -> bool:
    place = _PLACE.match(value, end)
    return place is not None and place.group("place").lower() not in _NOT_A_PLACE
