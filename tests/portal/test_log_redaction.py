"""Logs keep no link tokens or keys: the access log and Django's request warnings alike."""

from __future__ import annotations

import logging
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from allauth.account import app_settings as account_settings
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.core import signing
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from partners.selectors import INVITATION_SALT
from portal.core import logredact
from portal.core.logredact import REDACTED, RedactPaths, redact_path, redact_url
from tests.factories import UserFactory
from tests.workers import ROOT, child_env

SECRET_PARAMETERS = ("token", "key")


def token() -> str:
    return secrets.token_urlsafe(32)


def invitation_token() -> str:
    return signing.dumps({"invitation": 12}, salt=INVITATION_SALT, compress=True)


def confirmation_key() -> str:
    # allauth's e-mail confirmation key: the address's pk, signed.
    return signing.dumps(obj=42, salt=account_settings.SALT)


def reset_path(user=None) -> tuple[str, str]:
    """A password-reset link's path and its key, as allauth mails it (for ``user``, if given)."""
    if user is None:
        # The shape of Django's reset tokens: a base-36 timestamp and 32 hex digits.
        uid, key = "3", f"cm4zxy-{secrets.token_hex(16)}"
    else:
        uid, key = user_pk_to_url_str(user), default_token_generator.make_token(user)
    return reverse("account_reset_password_from_key", kwargs={"uidb36": uid, "key": key}), key


class TestTokenRoutes:
    """Every route of the portal whose path carries a secret."""

    @pytest.mark.parametrize(
        ("name", "kwargs"),
        [
            ("ticket_links:detail", {}),
            ("ticket_links:attachment", {"attachment_id": 7}),
            ("surveys:respond", {}),
            ("surveys:thanks", {}),
        ],
    )
    def test_link_and_survey_tokens_are_redacted(self, name, kwargs):
        secret = token()
        path = reverse(name, kwargs={"token": secret, **kwargs})

        redacted = redact_path(path)

        assert secret not in redacted
        assert redacted == path.replace(secret, REDACTED)

    def test_partner_invitation_tokens_are_redacted(self):
        secret = invitation_token()
        path = reverse("partners:invitation", kwargs={"token": secret})

        assert redact_path(path) == "/partners/invitations/[redacted]/"

    def test_email_confirmation_keys_are_redacted(self):
        secret = confirmation_key()
        path = reverse("account_confirm_email", args=[secret])

        assert redact_path(path) == "/accounts/confirm-email/[redacted]/"

    @pytest.mark.django_db
    def test_password_reset_keys_are_redacted(self):
        path, key = reset_path(UserFactory())

        assert key in path
        assert redact_path(path) == "/accounts/password/reset/key/[redacted]/"

    @pytest.mark.parametrize(
        "path",
        [
            "/t/abc/",  # a short or mistyped token is still someone's attempt at one
            "/t/abc",
            "/t/abc/files/3/",
            "/surveys/r/abc/thanks/",
            "/partners/invitations/abc/",
            "/accounts/confirm-email/abc/",
            "/accounts/password/reset/key/3-abc/",
        ],
    )
    def test_the_known_routes_redact_any_value(self, path):
        assert "abc" not in redact_path(path)
        assert REDACTED in redact_path(path)

    def test_every_route_with_a_token_or_key_in_its_path_is_redacted(self):
        """Walk the whole URL configuration, so a new token route is checked as well."""
        found = []
        for name, parameters in named_routes(get_resolver()):
            secret_names = [p for p in parameters if any(s in p for s in SECRET_PARAMETERS)]
            if not secret_names:
                continue
            secret = token()
            kwargs = {p: secret if p in secret_names else route_value(p) for p in parameters}
            path = reverse(name, kwargs=kwargs)
            assert secret not in redact_path(path), name
            found.append(name)

        assert {
            "ticket_links:detail",
            "ticket_links:attachment",
            "surveys:respond",
            "surveys:thanks",
            "partners:invitation",
            "account_confirm_email",
            "account_reset_password_from_key",
        } <= set(found)


def named_routes(resolver: URLResolver, namespace: str = ""):
    """(name, path parameters) of every named route below ``resolver``."""
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            parent = parameters_of(entry)
            for name, parameters in named_routes(entry, inner):
                yield name, [*parent, *parameters]
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", parameters_of(entry)


def parameters_of(entry) -> list[str]:
    pattern = entry.pattern
    if hasattr(pattern, "converters") and pattern.converters:
        return list(pattern.converters)
    return list(getattr(pattern.regex, "groupindex", {}))


def route_value(parameter: str) -> str | int:
    """A plausible value for a non-secret path parameter."""
    if parameter.endswith("id") or parameter in ("pk", "uidb36", "object_id"):
        return 7
    return "professional"


class TestReadablePaths:
    @pytest.mark.parametrize(
        "path",
        [
            "/",
            "/healthz",
            "/tickets/NS-2026-000123/",
            "/tickets/NS-2026-000123/files/4/",
            "/static/css/site.css",
            "/static/admin/js/vendor/jquery/jquery.min.js",
            "/static/css/site.3f2a9b8c7d6e5f4a1b2c.css",
            "/beta/professional/",
            "/partners/invitations/12/withdraw/",
            "/partners/onsite/5/calendar.ics",
            "/accounts/password/reset/key/done/",
            "/accounts/confirm-email/",
            "/admin/entitlements/supportentitlement/",
            "/admin/core/outboundemail/3/change/",
            "/customer-experience/",
        ],
    )
    def test_ordinary_paths_stay_as_they_are(self, path):
        assert redact_path(path) == path

    def test_ordinary_query_strings_stay_as_they_are(self):
        uri = "/tickets/?status=open&page=2&product=professional"

        assert redact_url(uri) == uri

    def test_a_token_on_a_route_nobody_listed_is_redacted_by_its_shape(self):
        secret = token()

        assert redact_path(f"/some/new/{secret}/page/") == "/some/new/[redacted]/page/"
        assert redact_path(f"/x/{secrets.token_hex(16)}/") == "/x/[redacted]/"


class TestQueryStrings:
    def test_secret_parameters_are_redacted_whatever_their_value(self):
        assert redact_url("/verify/?token=abc&page=2") == "/verify/?token=[redacted]&page=2"
        assert redact_url("/x/?key=1&code=42") == "/x/?key=[redacted]&code=[redacted]"

    def test_values_that_look_like_tokens_are_redacted(self):
        secret = token()

        assert redact_url(f"/x/?ref={secret}&rating=4") == "/x/?ref=[redacted]&rating=4"
        assert redact_url(f"/x/?{secret}") == "/x/?[redacted]"

    def test_a_path_in_a_value_is_redacted_as_a_path(self):
        secret = token()

        assert redact_url(f"/accounts/login/?next=/t/{secret}/") == (
            "/accounts/login/?next=/t/[redacted]/"
        )
        assert secret not in redact_url(f"/accounts/login/?next=%2Ft%2F{secret}%2F")

    def test_survey_ratings_stay_readable(self):
        secret = token()
        path = reverse("surveys:respond", kwargs={"token": secret}) + "?rating=5"

        assert redact_url(path) == "/surveys/r/[redacted]/?rating=5"


class TestTextAndAtoms:
    def test_request_lines_keep_method_and_protocol(self):
        secret = token()

        assert logredact.redact_request_line(f"GET /t/{secret}/?x=1 HTTP/1.1") == (
            "GET /t/[redacted]/?x=1 HTTP/1.1"
        )
        assert logredact.redact_request_line(f"GET http://portal.test/t/{secret}/ HTTP/1.1") == (
            "GET http://portal.test/t/[redacted]/ HTTP/1.1"
        )

    def test_paths_and_urls_in_text_are_redacted(self):
        secret = token()
        text = f"Not Found: /t/{secret}/ (from https://portal.test/surveys/r/{secret}/)"

        assert logredact.redact_text(text) == (
            "Not Found: /t/[redacted]/ (from https://portal.test/surveys/r/[redacted]/)"
        )

    def test_access_atoms_lose_tokens_cookies_and_credentials(self):
        secret = token()
        atoms = {
            "r": f"GET /t/{secret}/files/2/ HTTP/1.1",
            "U": f"/t/{secret}/files/2/",
            "q": f"token={secret}",
            "f": f"https://portal.test/t/{secret}/",
            "{referer}i": f"https://portal.test/t/{secret}/",
            "{location}o": f"/accounts/login/?next=/t/{secret}/",
            "{raw_uri}e": f"/t/{secret}/files/2/",
            "{cookie}i": f"sessionid={secret}",
            "{set-cookie}o": f"sessionid={secret}; HttpOnly",
            "{authorization}i": f"Token {secret}",
            "s": "200",
            "M": 12,
        }

        redacted = logredact.redact_access_atoms(atoms)

        assert not [key for key, value in redacted.items() if secret in str(value)]
        assert redacted["r"] == "GET /t/[redacted]/files/2/ HTTP/1.1"
        assert redacted["{location}o"] == "/accounts/login/?next=/t/[redacted]/"
        assert (redacted["s"], redacted["M"]) == ("200", 12)


class TestDjangoRequestLog:
    @pytest.fixture
    def redacting_request_log(self):
        """The filter on the django.request logger, as LOGGING puts it."""
        log_filter = RedactPaths()
        logger = logging.getLogger("django.request")
        logger.addFilter(log_filter)
        yield
        logger.removeFilter(log_filter)

    @pytest.mark.django_db
    def test_a_404_on_a_private_link_is_logged_without_its_token(
        self, client, caplog, redacting_request_log
    ):
        secret = token()

        with caplog.at_level(logging.WARNING, logger="django.request"):
            response = client.get(f"/t/{secret}/")

        assert response.status_code == 404
        assert "Not Found: /t/[redacted]/" in caplog.messages
        assert secret not in caplog.text

    @pytest.mark.django_db
    def test_a_csrf_failure_is_logged_without_its_token(self, caplog):
        """The filter on a handler redacts records of every logger that reaches it."""
        secret = token()
        caplog.handler.addFilter(RedactPaths())

        with caplog.at_level(logging.WARNING, logger="django.security.csrf"):
            response = Client(enforce_csrf_checks=True).post(f"/t/{secret}/", {"action": "x"})

        assert response.status_code == 403
        assert any(
            message.startswith("Forbidden (") and message.endswith(": /t/[redacted]/")
            for message in caplog.messages
        ), caplog.messages
        assert secret not in caplog.text

    def test_records_keep_their_other_arguments(self):
        record = logging.LogRecord(
            "django.request",
            logging.WARNING,
            __file__,
            1,
            "%s: %s (%d)",
            ("Gone", "/t/x/", 3),
            None,
        )

        assert RedactPaths().filter(record) is True
        assert record.getMessage() == "Gone: /t/[redacted]/ (3)"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> int:
    request = urllib.request.Request(url)  # noqa: S310 - http://127.0.0.1 of the test
    opener = urllib.request.build_opener(NoRedirects)
    try:
        with opener.open(request, timeout=20) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def gunicorn(tmp_path, transactional_db):
    """gunicorn with the project's gunicorn.conf.py, serving the portal on a free port.

    The test holds no transaction open, so the server reads the test database unhindered.
    """
    port = free_port()
    access_log = tmp_path / "access.log"
    env = child_env(
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
        GUNICORN_ACCESS_LOG=str(access_log),
    )
    error_log = (tmp_path / "error.log").open("wb")
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"),
            # Its own control socket, so it cannot meet another gunicorn's.
            *("--control-socket", str(tmp_path / "gunicorn.ctl")),
            "portal.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=error_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while get_ready(base) is None:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("gunicorn did not start:\n" + (tmp_path / "error.log").read_text())
            time.sleep(0.2)
        yield base, access_log
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        error_log.close()


def get_ready(base: str) -> int | None:
    try:
        return get(f"{base}/static/ready-check")
    except OSError:
        return None


def logged_line(access_log: Path, fragment: str) -> str:
    """The access-log line that contains ``fragment`` (gunicorn writes it after answering)."""
    deadline = time.monotonic() + 10
    while True:
        lines = access_log.read_text().splitlines() if access_log.exists() else []
        found = [line for line in lines if fragment in line]
        if found or time.monotonic() > deadline:
            assert len(found) == 1, lines
            return found[0]
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True)
def test_the_access_log_of_gunicorn_keeps_no_tokens(gunicorn):
    base, access_log = gunicorn
    link = token()
    reset, key = reset_path()

    link_status = get(f"{base}/t/{link}/")
    reset_status = get(f"{base}{reset}")
    login_status = get(f"{base}/accounts/login/?next=/t/{link}/")
    ticket_status = get(f"{base}/tickets/NS-2026-000123/?status=open")

    # The last request's line is there, so are the others.
    ticket_line = logged_line(access_log, "/tickets/NS-2026-000123/")
    log = access_log.read_text()
    assert link not in log and key not in log
    assert (link_status, reset_status, login_status) == (404, 200, 200)
    link_line = logged_line(access_log, '"GET /t/[redacted]/ HTTP/1.1" 404 ')
    assert link_line.endswith("ms")
    logged_line(access_log, '"GET /accounts/password/reset/key/[redacted]/ HTTP/1.1" 200 ')
    logged_line(access_log, '"GET /accounts/login/?next=/t/[redacted]/ HTTP/1.1" 200 ')
    assert f'"GET /tickets/NS-2026-000123/?status=open HTTP/1.1" {ticket_status} ' in ticket_line
