"""Personal data planted in every free field of reports is stored nowhere in the database.

Over a thousand generated values (names, street addresses, phone numbers, payment card numbers,
IP addresses, e-mail addresses, IBANs, in five locales) go through the real endpoint, the
roll-ups run, and then every row of every table is searched for each value: as planted, with
its whitespace normalised, as JSON writes it and, for phone and card numbers, as digits only.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter, defaultdict

import pytest
from django.db.models import Sum
from django.utils import timezone
from faker import Faker

from telemetry import rollups, sample, schema
from telemetry.models import FreeValue, IngestCounter, RawReport
from tests.telemetry.database_dump import dump

pytestmark = pytest.mark.django_db

URL = "/api/v1/telemetry/reports"
LOCALES = ["de_DE", "en_US", "en_GB", "fr_FR", "it_IT"]
PER_LOCALE_AND_KIND = 24
BATCH = 100
SEED = 20261203
CARD_TYPES = ["jcb15", "maestro", "visa16", "mastercard", "amex", "discover", "jcb16"]
# The longest value each free field accepts (schema.py).
LIMITS = {
    "hardware.cpu_model": 100,
    "software.os.name": 40,
    "software.os.version": 60,
    "software.os.edition": 60,
    "software.installed[].name": 200,
    "software.installed[].version": 60,
}
DIGIT_KINDS = {"phone", "card"}


def one_line(text: str) -> str:
    """A value as typed into one field: the lines of an address joined by commas."""
    return ", ".join(line.strip() for line in text.splitlines() if line.strip())


def planted_values() -> list[tuple[str, str]]:
    """(kind, value) for every locale and kind, from a fixed seed."""
    fake = Faker(LOCALES)
    fake.seed_instance(SEED)
    makers = {
        "name": lambda f, n: f.name(),
        "street_address": lambda f, n: one_line(f.street_address()),
        "address": lambda f, n: one_line(f.address()),
        "phone": lambda f, n: f.phone_number(),
        "card": lambda f, n: f.credit_card_number(card_type=CARD_TYPES[n % len(CARD_TYPES)]),
        "ipv4": lambda f, n: f.ipv4(),
        "ipv6": lambda f, n: f.ipv6(),
        "email": lambda f, n: f.email(),
        "iban": lambda f, n: f.iban(),
    }
    values = []
    for locale in LOCALES:
        for kind, make in makers.items():
            values += [(kind, make(fake[locale], n)) for n in range(PER_LOCALE_AND_KIND)]
    return values


def spread(values: list[tuple[str, str]]) -> list[dict[str, str]]:
    """The values dealt out over reports, one value per free field of each report; a value too
    long for a field goes into the next field that takes it."""
    fields = list(LIMITS)
    reports: list[dict[str, str]] = []
    for position, (_kind, value) in enumerate(values):
        start = position % len(fields)
        for offset in range(len(fields)):
            field = fields[(start + offset) % len(fields)]
            if len(value) > LIMITS[field]:
                continue
            for planted in reports:
                if field not in planted:
                    planted[field] = value
                    break
            else:
                reports.append({field: value})
            break
    return reports


def planted_report(rng: random.Random, planted: dict[str, str]) -> dict:
    owner = sample.installation(rng)
    item = sample.report(rng, owner, sent_at=timezone.now(), installed=8)
    hardware, system = item["hardware"], item["software"]["os"]
    installed = item["software"]["installed"]
    for field, value in planted.items():
        if field == "hardware.cpu_model":
            hardware["cpu_model"] = value
        elif field.startswith("software.os."):
            system[field.rsplit(".", 1)[1]] = value
        elif field == "software.installed[].name":
            installed.insert(rng.randrange(len(installed) + 1), {"name": value, "version": "1.0"})
        else:
            installed.insert(rng.randrange(len(installed) + 1), {"name": "Tool", "version": value})
    return item


def searched_forms(kind: str, value: str) -> set[str]:
    forms = {value, " ".join(value.split()), json.dumps(value, ensure_ascii=False)[1:-1]}
    if kind in DIGIT_KINDS:
        digits = re.sub(r"\D", "", value)
        if len(digits) >= 8:
            forms.add(digits)
    return {form.lower() for form in forms if form}


def stored(form: str, text: str) -> bool:
    """Whether the form is in the text on its own (not inside a longer number or word, as an
    IP address planted as 5.72.0.1 would be inside a version 15.72.0.12)."""
    if form not in text:
        return False
    return re.search(rf"(?<![\w.]){re.escape(form)}(?![\w])", text) is not None


def test_planted_personal_data_is_stored_nowhere(client, settings):
    values = planted_values()
    assert len(values) >= 1000
    rng = random.Random(SEED)
    reports_planted = spread(values)
    # Every free field of the schema carries planted values.
    assert set().union(*reports_planted) == set(LIMITS) == set(schema.FREE_FIELDS)
    reports = [planted_report(rng, planted) for planted in reports_planted]
    # Each value comes from fewer installations than the threshold (one, unless Faker repeats).
    installations_per_value: dict[str, set[str]] = defaultdict(set)
    for planted, item in zip(reports_planted, reports, strict=True):
        for value in planted.values():
            installations_per_value[value].add(item["installation_id"])
    assert max(map(len, installations_per_value.values())) < settings.TELEMETRY_K_ANONYMITY

    accepted = 0
    for start in range(0, len(reports), BATCH):
        body = json.dumps({"reports": reports[start : start + BATCH]})
        response = client.post(
            URL, data=body, content_type="application/json", REMOTE_ADDR="203.0.113.9"
        )
        assert response.status_code == 202
        answer = response.json()
        assert answer["rejected"] == 0, answer["rejections"][:3]
        accepted += answer["accepted"]
    assert accepted == len(reports) == RawReport.objects.count()
    rollups.rollup_day(day=timezone.now().date())

    # Both safeguards took part: detectors removed values, the threshold hashed the rest.
    removed = IngestCounter.objects.filter(kind=IngestCounter.Kind.REMOVED)
    assert removed.aggregate(n=Sum("count"))["n"] > 0
    assert FreeValue.objects.filter(value__isnull=True).exists()

    text = dump().lower()
    found = Counter()
    examples = []
    for kind, value in values:
        hits = [form for form in searched_forms(kind, value) if stored(form, text)]
        if hits:
            found[kind] += 1
            examples.append((kind, value, hits[0]))
    assert not found, (dict(found), examples[:10])
