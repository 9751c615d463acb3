"""Browser tests: Playwright drives Debian's Chromium against Django's live server."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between page actions are ordinary blocking calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def playwright_instance():
    if not Path(CHROMIUM).exists() and shutil.which(CHROMIUM) is None:
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is missing at {CHROMIUM}; .ci/run installs Debian's chromium")
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture
def new_browser(playwright_instance, tmp_path):
    """Open a fresh Chromium (its own empty profile) each call; all are closed after the test."""
    contexts = []

    def open_browser(locale: str = "en-US"):
        profile = tmp_path / f"profile-{len(contexts)}"
        context = playwright_instance.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            locale=locale,
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield open_browser
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_browser, live_server):
    context = new_browser()
    page = context.pages[0] if context.pages else context.new_page()
    page.base_url = live_server.url
    return page


@pytest.fixture
def screenshot(request):
    """Save a full-page screenshot named after the test under test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, step: str) -> Path:
        path = SCREENSHOTS / f"{request.node.name}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
