"""Free text in the identifier-like values of a usage report: values too long or too wordy
for a name, and shorter prose (see ``telemetry.pii``)."""

from __future__ import annotations

import re

# Names, versions, editions and models stay well below this; a longer value is prose.
MAX_IDENTIFIER_LENGTH = 200
MAX_IDENTIFIER_WORDS = 14


def word_set(text: str) -> frozenset[str]:
    """The words of ``text``, split at white space."""
    return frozenset(text.split())


# A word has two letters or more: "x64", "22H2" and "i7" hold none.
_WORD_TOKEN = re.compile(r"[^\W\d_]{2}")
_PUNCTUATION = "\"'.,;:!?()[]{}<>«»-"
# First-person and request words: one of them in a value of three words or more is a message.
_PERSONAL_WORDS = word_set(
    "me mich mir ich i'm i've i'll i'd please pls bitte danke thanks regards grüße gruß gruss "
    "anrufen zurückrufen rückruf heiße wohne wohnhaft tomorrow yesterday gestern"
)
# Function words of English and German prose; product names rarely hold several.
_FUNCTION_WORDS = word_set(
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
_ABBREVIATIONS = word_set(
    "dr mr mrs ms st inc ltd corp co vs ver rev no nr etc approx jr sr prof bros intl dept "
    "std min max incl"
)
_SENTENCE_BREAK = re.compile(r"([^\W\d_]{2,})([.!?]+)\s+(?=[^\W\d_])")


def is_free_text(value: str) -> bool:
    """Whether the value is a message someone typed rather than a name."""
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
