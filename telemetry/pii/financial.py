"""IBANs and payment card numbers in the identifier-like values of a usage report (see
``telemetry.pii``)."""

from __future__ import annotations

import re

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


def has_iban(value: str) -> bool:
    """Whether the value holds an IBAN with a valid mod-97 check."""
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


def has_payment_card(value: str) -> bool:
    """Whether the value holds a payment card number with a valid Luhn check digit."""
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
