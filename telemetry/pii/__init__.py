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
import re

from django.utils.translation import gettext_lazy as _

from telemetry.pii.contact import DOTTED_PHONE, has_email, has_obfuscated_email, has_phone
from telemetry.pii.financial import has_iban, has_payment_card
from telemetry.pii.network import has_ip_address
from telemetry.pii.paths import has_user_path
from telemetry.pii.postal import has_postal_address
from telemetry.pii.prose import MAX_IDENTIFIER_LENGTH, MAX_IDENTIFIER_WORDS, is_free_text

__all__ = ["MAX_IDENTIFIER_LENGTH", "MAX_IDENTIFIER_WORDS", "REASON_LABELS", "Reason", "scan"]

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
    if has_email(value) or has_obfuscated_email(value):
        return Reason.EMAIL
    if _LONG_NUMBER.search(value):
        if has_iban(value):
            return Reason.IBAN
        if has_payment_card(value):
            return Reason.PAYMENT_CARD
        if has_phone(value):
            return Reason.PHONE
    elif "." in value and DOTTED_PHONE.search(value):
        return Reason.PHONE
    if ("." in value or ":" in value) and has_ip_address(value):
        return Reason.IP_ADDRESS
    if ("\\" in value or "/" in value or "~" in value) and has_user_path(value):
        return Reason.USER_PATH
    if has_postal_address(value):
        return Reason.POSTAL_ADDRESS
    if is_free_text(value):
        return Reason.FREE_TEXT
    return None


# --- First pass -------------------------------------------------------------------------------

# Without a digit, an @, a path character or a bracketed "at", no detector but the free-text
# one can match, and that one needs three words.
_SUSPECT = re.compile(r"[0-9@\\/~]|[(\[{<]\s*(?:at|ät)\s*[)\]}>]|::|:[0-9a-f]{1,4}:", re.IGNORECASE)
# Seven digits or more joined by nothing but spaces, dashes, slashes and brackets: every IBAN,
# card number and phone number (but the dotted 555.123.4567) has such a run; versions do not.
_LONG_NUMBER = re.compile(r"[0-9](?:[ ()/-]{0,3}[0-9]){6}")
