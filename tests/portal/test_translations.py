"""German everywhere: every message in the code is in the German catalog, and translated."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "locale" / "de" / "LC_MESSAGES" / "django.po"
SOURCES = [
    "manage.py",
    "portal",
    "teams",
    "entitlements",
    "tickets",
    "surveys",
    "telemetry",
    "partners",
    "onsite",
    "betas",
    "knowledge",
    "templates",
]


def messages(path: Path) -> dict[str, object]:
    """The catalog's messages by their singular text (plural messages have a tuple id)."""
    with path.open("rb") as handle:
        return {
            message.id if isinstance(message.id, str) else message.id[0]: message
            for message in read_po(handle)
            if message.id
        }


def translated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(strings) and not message.fuzzy


def test_german_catalog_is_complete():
    untranslated = [m.id for m in messages(CATALOG).values() if not translated(m)]

    assert untranslated == []


def test_every_message_in_the_code_is_in_the_catalog(tmp_path):
    """Extract the messages afresh and compare: a new string without German fails here."""
    if shutil.which("xgettext") is None:
        if os.environ.get("CI"):
            pytest.fail("GNU gettext is missing; .ci/run installs it")
        pytest.skip("GNU gettext (xgettext) is not installed")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    (tmp_path / "locale" / "de" / "LC_MESSAGES").mkdir(parents=True)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test"}
    env.pop("DATABASE_URL", None)

    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "de", "--no-location"],
        cwd=tmp_path, env=env, check=True, capture_output=True, timeout=120,
    )  # fmt: skip

    extracted = set(messages(tmp_path / "locale" / "de" / "LC_MESSAGES" / "django.po"))
    missing = sorted(extracted - set(messages(CATALOG)))
    assert missing == [], "run `manage.py makemessages -l de` and translate: " + repr(missing[:10])
