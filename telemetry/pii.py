"""Recognise personal data in the identifier-like values of a usage report.

A report carries software names and versions, operating-system editions, CPU models and disk
types. None of these ever needs a name, an address or a number that reaches a person, so a value
that looks like one is personal data typed or pasted where it does not belong. ``scan`` returns
the first kind found, checked in this order:

``EMAIL``
    ``local@domain.tld`` anywhere in the value, and the obfuscated forms ``user(at)firma.de``,
    ``user [at] firma (dot) de``. The top-level label must start with a letter, so
    ``CPU @ 3.20GHz`` and ``CPU@3.20GHz`` stay clean.
``IBAN``
    A known country code, two check digits and a BBAN of that country's length, spaces allowed,
    passing the ISO 13616 mod-97 check.
``PAYMENT_CARD``
    Any run of 12 to 19 digits, optionally grouped by spaces or dashes, with a valid Luhn check
    digit, whatever its prefix (JCB's 15-digit numbers start with 1800 or 2131, Maestro's
    12-digit ones may start with 0604). When other numbers stand around it, a part of the
    groups needs 13 digits or more. Not read as a card: digits joined by dots (versions), digits
    after a ``+`` or starting with ``00`` (international phone numbers).
``PHONE``
    International numbers written with ``+`` or ``00`` that the ``phonenumbers`` metadata holds
    possible; German national numbers with the trunk prefix ``0`` that it holds valid
    (``030 12345678``, ``030/1234567``, ``0171-1234567``); North American numbers in their usual
    layouts (``(555) 123-4567``, ``555-123-4567``, ``555.123.4567``), also with an extension
    (``x123``, ``ext. 42``); and every number that ``phonenumbers.PhoneNumberMatcher`` finds in
    the text for Germany, the United States, the United Kingdom, France or Italy with leniency
    ``VALID`` (the number is one the country's numbering plan assigns: ``020 7946 0958``,
    ``01 42 68 53 00``, ``333 123 4567``). A match of the matcher must have eight digits or
    more, hold no dot, stand apart (not inside a word, a longer number or a dotted version) and
    not follow ``Build``, ``Version``, ``KB``, ``No.``, ``#`` and the like. That keeps
    ``2015-2022``, ``KB5005565``, ``Build 20152022``, ``Build 2015202201`` and versions clean.
``IP_ADDRESS``
    IPv4 and IPv6 literals that the standard ``ipaddress`` module accepts (IPv6 also with an
    embedded IPv4 part or a zone, ``fe80::1%eth0``; ``::`` and ``::1`` are not counted). A
    dotted quad is also a four-part version (``LibreOffice 7.6.3.2``): one whose first number is
    at most 30 and which has at least two single-digit numbers is read as a version, unless a
    port or prefix length follows (``10.0.0.1:8080``, ``/24``) or a word such as ``IP``,
    ``host`` or ``address`` precedes it.
``USER_PATH``
    A folder name below ``Users``, ``Benutzer``, ``Documents and Settings``, ``Dokumente und
    Einstellungen``, ``home`` or ``profiles`` at the root of a drive, a POSIX path or a UNC share
    (``\\\\server\\home$\\name``), and ``~name``. The shared folders ``Public``, ``Default``,
    ``Default User``, ``All Users`` and ``Shared`` and unexpanded placeholders (``%USERNAME%``,
    ``$USER``) are not names.
``POSTAL_ADDRESS``
    German streets with a house number (``Musterstraße 12``, ``Hauptstr. 5a``, ``Berliner Allee
    3``, ``Am Markt 3``), a German postcode followed by a place (``10115 Berlin``,
    ``D-80331 München``), US streets (``123 Main St``, ``1600 Amphitheatre Parkway``), a US
    ``City, ST 12345`` line, and PO boxes or a ``Postfach`` with a number. The number has to
    stand apart, after a space: ``Musterstraße12`` is not recognised.
``FREE_TEXT``
    Values longer than ``MAX_IDENTIFIER_LENGTH`` or with more than ``MAX_IDENTIFIER_WORDS``
    words, and shorter prose recognised by first-person and request words (``ich``, ``me``,
    ``bitte``, ``please``), sentence breaks between words and a density of function words.

Every detector is a heuristic tuned to keep real software, OS, CPU and disk names clean, and
some personal data knowingly passes: personal names on their own (``Hans Müller``: no pattern
can tell them from product names), addresses spelled out (``user at firma dot de``), phone
numbers that no numbering plan of the five countries assigns and that carry no ``+``/``00``
prefix or North American layout (Faker's random US area codes, ``6844364697``), numbers of
other countries in their national format, IPv4 addresses of small numbers that look like
versions (``10.0.0.1``, ``3.1.103.200``), MAC addresses, streets without a house number or in
other countries' formats (British, French and Italian addresses), city names on their own,
and short prose without the marker words. Digits are ASCII only. None of this is the last line:
whatever passes is still kept in clear only once ``TELEMETRY_K_ANONYMITY`` installations have
sent the same value (``telemetry.anonymity``), which a value typed on one computer never is.

``scan`` is called for every value of every report, so it is built for speed: values over the
length limit are rejected at once, verdicts are cached for repeated values (the same software
names recur across installations), a first pass of one pattern and a space count clears the
short names that hold no digit, @, path character, "(at)" or IPv6-like colons, and every
detector is guarded by a cheap test of what it cannot do without (an @, a run of seven digits,
a path character, a dot or colon, a number standing apart). ``PhoneNumberMatcher`` is the
slowest step; it runs only for values with a run of seven digits, once per distinct value.
"""

from __future__ import annotations

import enum
import functools
import ipaddress
import re
from collections.abc import Iterator

import phonenumbers
from django.utils.translation import gettext_lazy as _

__all__ = ["MAX_IDENTIFIER_LENGTH", "MAX_IDENTIFIER_WORDS", "REASON_LABELS", "Reason", "scan"]

# Names, versions, editions and models stay well below this; a longer value is prose.
MAX_IDENTIFIER_LENGTH = 200
MAX_IDENTIFIER_WORDS = 14
_CACHE_SIZE = 100_000


class Reason(enum.StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    POSTAL_ADDRESS = "postal_address"
    PAYMENT_CARD = "payment_card"
    IBAN = "iban"
    IP_ADDRESS = "ip_address"
    USER_PATH = "user_path"
    FREE_TEXT = "free_text"


REASON_LABELS = {
    Reason.EMAIL: _("E-mail address"),
    Reason.PHONE: _("Phone number"),
    Reason.POSTAL_ADDRESS: _("Postal address"),
    Reason.PAYMENT_CARD: _("Payment card number"),
    Reason.IBAN: _("IBAN"),
    Reason.IP_ADDRESS: _("IP address"),
    Reason.USER_PATH: _("User name in a path"),
    Reason.FREE_TEXT: _("Free text"),
}


def scan(value: str) -> Reason | None:
    """The first kind of personal data found in an identifier-like value (a software name, a
    version, an OS edition, a CPU model, a disk type), or None when the value is clean."""
    if len(value) > MAX_IDENTIFIER_LENGTH:
        return Reason.FREE_TEXT
    return _scan_cached(value)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _scan_cached(value: str) -> Reason | None:
    # One word or two without a digit, an @, a path separator or an "(at)": the typical clean
    # name ("Google Chrome", "TeamViewer", "ssd") needs nothing more.
    if value.count(" ") < 2 and _SUSPECT.search(value) is None:
        return None
    # Each detector is guarded by a cheap test of what it cannot do without.
    if _has_email(value) or _has_obfuscated_email(value):
        return Reason.EMAIL
    if _LONG_NUMBER.search(value):
        if _has_iban(value):
            return Reason.IBAN
        if _has_payment_card(value):
            return Reason.PAYMENT_CARD
        if _has_phone(value):
            return Reason.PHONE
    elif "." in value and _DOTTED_PHONE.search(value):
        return Reason.PHONE
    if ("." in value or ":" in value) and _has_ip_address(value):
        return Reason.IP_ADDRESS
    if ("\\" in value or "/" in value or "~" in value) and _has_user_path(value):
        return Reason.USER_PATH
    if _has_postal_address(value):
        return Reason.POSTAL_ADDRESS
    if _is_free_text(value):
        return Reason.FREE_TEXT
    return None


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


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


def _has_email(value: str) -> bool:
    if "@" not in value:
        return False
    for match in _EMAIL_DOMAIN.finditer(value):
        start = match.start()
        if start and not value[start - 1].isspace():
            return True
    return False


def _has_obfuscated_email(value: str) -> bool:
    if not ("(" in value or "[" in value or "{" in value or "<" in value):
        return False
    for match in _OBFUSCATED_EMAIL.finditer(value):
        local_end = value[: match.start()].rstrip()[-1:]
        if local_end.isalnum() or local_end in ("_", ".", "+", "-"):
            return True
    return False


# --- IBAN -------------------------------------------------------------------------------------

_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30,
    "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
    "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip
# The check digits, after a country code that follows no letter or digit, and the BBAN.
_IBAN = re.compile(
    r"[0-9](?<=[A-Za-z]{2}[0-9])(?<![A-Za-z0-9]{3}[0-9])[0-9](?: ?[A-Za-z0-9]){11,30}"
)


def _has_iban(value: str) -> bool:
    for match in _IBAN.finditer(value):
        compact = value[match.start() - 2 : match.end()].replace(" ", "").upper()
        length = _IBAN_LENGTHS.get(compact[:2])
        if length is None or len(compact) < length:
            continue
        iban = compact[:length]
        rearranged = iban[4:] + iban[:4]
        # Letters count as 10..35 (int(c, 36)); the whole number mod 97 is 1 for a valid IBAN.
        if int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1:
            return True
    return False


# --- Payment card -----------------------------------------------------------------------------

# Issuers' numbers run from 12 digits (Maestro) to 19; every length is checked, whatever the
# prefix: JCB's 15-digit numbers start with 1800 or 2131, some Maestro numbers with 0604.
_CARD_MIN_DIGITS = 12
_CARD_MAX_DIGITS = 19
# Digit groups joined by single spaces or dashes, not touching letters, digits or dots.
_DIGIT_GROUPS = re.compile(r"[0-9](?<![\w.][0-9])[0-9]*(?:[ -][0-9]+)*+(?![\w.])")
_GROUP_SEPARATOR = re.compile(r"[ -]")


def _is_card_number(digits: str) -> bool:
    if not _CARD_MIN_DIGITS <= len(digits) <= _CARD_MAX_DIGITS:
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = ord(char) - 48
        if position % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def _has_payment_card(value: str) -> bool:
    for match in _DIGIT_GROUPS.finditer(value):
        candidate = match.group()
        # After a "+" the digits are an international phone number.
        if len(candidate) < _CARD_MIN_DIGITS or value[match.start() - 1 : match.start()] == "+":
            continue
        groups = _GROUP_SEPARATOR.split(candidate)
        # A card number may be preceded or followed by other numbers; try every run of groups.
        # A run that is only a part needs one digit more than the shortest card: three of the
        # four groups of "1234 5678 9012 3456" are no card number.
        whole = len(groups)
        for start in range(whole):
            if groups[start].startswith("00"):
                continue  # the international prefix of a phone number; no issuer uses 00
            digits = ""
            for end in range(start, whole):
                digits += groups[end]
                if len(digits) > _CARD_MAX_DIGITS:
                    break
                if (
                    (start == 0 and end == whole - 1) or len(digits) > _CARD_MIN_DIGITS
                ) and _is_card_number(digits):
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
_DOTTED_PHONE = re.compile(
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


def _has_phone(value: str) -> bool:
    if _NORTH_AMERICAN_PHONE.search(value) or _DOTTED_PHONE.search(value):
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


# --- IP address -------------------------------------------------------------------------------

# Four numbers joined by dots, not part of a longer dotted sequence or a word.
_IPV4 = re.compile(r"[0-9](?<![\w.][0-9])[0-9]{0,2}(?:\.[0-9]{1,3}){3}(?![\w]|\.[0-9])")
# Groups of hex digits joined by colons (at least two colons), optionally ending in an IPv4
# part and a zone; ipaddress decides whether it is an address.
_IPV6 = re.compile(
    r"(?<![\w:.])[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?:(?<=:)[0-9]{1,3}(?:\.[0-9]{1,3}){3})?"
    r"(?:%[\w.-]+)?(?![\w:.])",
    re.IGNORECASE,
)
# What marks a dotted quad as an address whatever its numbers: a port or prefix length after
# it, or a word naming it before.
_IP_AFTER = re.compile(r"[:/][0-9]{1,5}(?![\w.])")
_IP_BEFORE = re.compile(r"(?:\bip(?:v4)?|\bhost|\baddr(?:ess)?|\badresse|//|@)\s*[:=]?\s*$", re.I)
# Small numbers in every place but one ("4.0.0.57", "7.6.3.2") are a four-part version.
_VERSION_MAJOR_MAX = 30


def _has_ip_address(value: str) -> bool:
    if "." in value:
        for match in _IPV4.finditer(value):
            text = match.group()
            try:
                ipaddress.IPv4Address(text)
            except ValueError:
                continue
            start, end = match.span()
            if _IP_AFTER.match(value, end) or _IP_BEFORE.search(value, max(0, start - 12), start):
                return True
            if not _is_version_shaped(text):
                return True
    if ":" in value:
        for match in _IPV6.finditer(value):
            text = match.group()
            if sum(1 for group in text.split("%")[0].split(":") if group) < 2:
                continue  # "::", "::1", "a::": no address anyone is reached at
            try:
                ipaddress.IPv6Address(text)
            except ValueError:
                continue
            return True
    return False


def _is_version_shaped(text: str) -> bool:
    parts = [int(part) for part in text.split(".")]
    return parts[0] <= _VERSION_MAJOR_MAX and sum(part <= 9 for part in parts) >= 2


# --- User name in a path ----------------------------------------------------------------------

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


def _has_user_path(value: str) -> bool:
    for match in _PROFILE_PATH.finditer(value):
        name = match.group("name").strip()
        if name and not _is_generic_profile(name):
            return True
    return any(
        not _is_generic_profile(match.group("name")) for match in _TILDE_USER.finditer(value)
    )


def _is_generic_profile(name: str) -> bool:
    return name.lower() in _SHARED_PROFILES or _PLACEHOLDER.fullmatch(name) is not None


# --- Postal address ---------------------------------------------------------------------------

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
_NOT_A_PLACE = _words(
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
_NOT_A_STREET_NAME = _words(
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


def _has_postal_address(value: str) -> bool:
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


# --- Free text --------------------------------------------------------------------------------

# A word has two letters or more: "x64", "22H2" and "i7" hold none.
_WORD_TOKEN = re.compile(r"[^\W\d_]{2}")
_PUNCTUATION = "\"'.,;:!?()[]{}<>«»-"
# First-person and request words: one of them in a value of three words or more is a message.
_PERSONAL_WORDS = _words(
    "me mich mir ich i'm i've i'll i'd please pls bitte danke thanks regards grüße gruß gruss "
    "anrufen zurückrufen rückruf heiße wohne wohnhaft tomorrow yesterday gestern"
)
# Function words of English and German prose; product names rarely hold several.
_FUNCTION_WORDS = _words(
    "my mine your you we us our he she his her him they them their is am are was were be been "
    "have has had do does did not can could would should will shall must the and but because "
    "if when that this there here what why how who which with from about name call contact back "
    "soon today now "
    "du dich dir dein deine wir uns unser er sie ihr ihm ihn ist bin bist sind war waren habe "
    "hast hat haben kann können würde wird werden nicht kein keine und aber weil dass wenn oder "
    "der die das dem den ein eine einen name heute morgen bald hier jetzt mein meine meinen "
    "meinem meiner"
)
# Abbreviations that end with a dot inside product names ("Plants vs. Zombies").
_ABBREVIATIONS = _words(
    "dr mr mrs ms st inc ltd corp co vs ver rev no nr etc approx jr sr prof bros intl dept "
    "std min max incl"
)
_SENTENCE_BREAK = re.compile(r"([^\W\d_]{2,})([.!?]+)\s+(?=[^\W\d_])")


def _is_free_text(value: str) -> bool:
    tokens = value.lower().replace("\u2019", "'").split()
    if len(tokens) < 3:
        return False
    if len(tokens) > MAX_IDENTIFIER_WORDS and _word_count(tokens) > MAX_IDENTIFIER_WORDS:
        return True
    words = {token.strip(_PUNCTUATION) for token in tokens}
    personal = not _PERSONAL_WORDS.isdisjoint(words)
    function_words = len(_FUNCTION_WORDS.intersection(words))
    if not personal and not function_words:
        return False
    count = _word_count(tokens)
    if count < 3:
        return False
    if personal:
        return True
    if count >= 4:
        for match in _SENTENCE_BREAK.finditer(value):
            if match.group(2) != "." or match.group(1).lower() not in _ABBREVIATIONS:
                return True
    return count >= 6 and function_words >= 4


def _word_count(tokens: list[str]) -> int:
    return sum(1 for token in tokens if _WORD_TOKEN.search(token))


# --- First pass -------------------------------------------------------------------------------

# Without a digit, an @, a path character or a bracketed "at", no detector but the free-text
# one can match, and that one needs three words.
_SUSPECT = re.compile(r"[0-9@\\/~]|[(\[{<]\s*(?:at|ät)\s*[)\]}>]|::|:[0-9a-f]{1,4}:", re.IGNORECASE)
# Seven digits or more joined by nothing but spaces, dashes, slashes and brackets: every IBAN,
# card number and phone number (but the dotted 555.123.4567) has such a run; versions do not.
_LONG_NUMBER = re.compile(r"[0-9](?:[ ()/-]{0,3}[0-9]){6}")
