"""Configuration: bad values stop start-up naming the variable; production passes --deploy."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.settings import env as settings_env
from tests.workers import ROOT

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "portal.settings.production",
    "DJANGO_SECRET_KEY": "k3y-" + "x7Q9z!pL2v#R8mW4tY6uB1nC5eD0fG3hJ" * 2,
    "DJANGO_ALLOWED_HOSTS": "support.example.com",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://support.example.com",
    "SITE_URL": "https://support.example.com",
    "DATABASE_URL": "postgres://novadesk:secret@db.internal:5432/novadesk",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "EMAIL_BACKEND": "anymail.backends.postmark.EmailBackend",
    "ANYMAIL_POSTMARK_SERVER_TOKEN": "server-token",
    "ORDER_WEBHOOK_SECRET": "shop-secret",
    "SHOP_CHECKOUT_URL": "https://shop.example.com/checkout",
    "ANYMAIL_WEBHOOK_SECRET": "postmark:inbound-secret",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.pop("DATABASE_URL", None)
    clean.pop("REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("mysql://root@localhost/novadesk", "DATABASE_URL is not a usable database URL"),
        ("postgres://user@:5432/", "DATABASE_URL must name a host and a database"),
        ("postgres://user@db:port/novadesk", "DATABASE_URL has an invalid port"),
        ("not a url at all", "DATABASE_URL is not a usable database URL"),
    ],
)
def test_malformed_database_url_is_refused_naming_the_variable(url, complaint, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", url)

    with pytest.raises(ImproperlyConfigured, match=complaint):
        settings_env.database_from_env(default_sqlite=ROOT / "unused.sqlite3")


def test_postgresql_connections_plan_with_the_page_cost_of_solid_state_storage(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://novadesk@db.internal:5432/novadesk")
    monkeypatch.delenv("DATABASE_RANDOM_PAGE_COST", raising=False)
    default = settings_env.database_from_env(default_sqlite=ROOT / "unused.sqlite3")
    monkeypatch.setenv("DATABASE_RANDOM_PAGE_COST", "4")
    spinning = settings_env.database_from_env(default_sqlite=ROOT / "unused.sqlite3")
    monkeypatch.setenv("DATABASE_RANDOM_PAGE_COST", "0")

    assert default["OPTIONS"]["options"] == "-c random_page_cost=1.1"
    assert spinning["OPTIONS"]["options"] == "-c random_page_cost=4.0"
    with pytest.raises(ImproperlyConfigured, match="DATABASE_RANDOM_PAGE_COST must be a positive"):
        settings_env.database_from_env(default_sqlite=ROOT / "unused.sqlite3")


def test_start_up_stops_with_a_clear_message_on_a_malformed_database_url():
    result = manage("check", DATABASE_URL="postgresql//missing-colon")

    assert result.returncode != 0
    assert "Configuration error: DATABASE_URL is not a usable database URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_start_up_stops_on_a_malformed_redis_url():
    result = manage("check", REDIS_URL="http://127.0.0.1:6379")

    assert result.returncode != 0
    assert "REDIS_URL is not a usable Redis URL" in result.stderr


def test_production_passes_the_deployment_checks():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "missing",
    [
        "DJANGO_SECRET_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "DJANGO_ALLOWED_HOSTS",
        "SITE_URL",
        "ORDER_WEBHOOK_SECRET",
        "EMAIL_BACKEND",
        # Without a shop the portal would grant support without a payment.
        "SHOP_CHECKOUT_URL",
        # Without it anyone could post mail into tickets through the inbound webhook.
        "ANYMAIL_WEBHOOK_SECRET",
    ],
)
def test_production_refuses_to_start_without_a_required_variable(missing):
    env = {key: value for key, value in PRODUCTION.items() if key != missing}

    result = manage("check", **env)

    assert result.returncode != 0
    assert missing in result.stderr


def test_production_hashes_passwords_with_argon2_and_sends_a_csp():
    code = (
        "from django.conf import settings;"
        "print(settings.PASSWORD_HASHERS[0]);"
        "print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['script-src'])"
    )
    result = manage("shell", "--no-imports", "-c", code, **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert "Argon2PasswordHasher" in result.stdout
    assert "'self'" in result.stdout


@pytest.mark.parametrize(
    "backend",
    [
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.filebased.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
    ],
)
def test_production_refuses_a_mail_backend_that_reaches_nobody(backend):
    result = manage("check", **{**PRODUCTION, "EMAIL_BACKEND": backend})

    assert result.returncode != 0
    assert f"EMAIL_BACKEND={backend} delivers no mail" in result.stderr


def test_production_refuses_a_webhook_secret_that_is_not_user_and_password():
    result = manage("check", **{**PRODUCTION, "ANYMAIL_WEBHOOK_SECRET": "just-a-password"})

    assert result.returncode != 0
    assert "ANYMAIL_WEBHOOK_SECRET must have the form user:password" in result.stderr


def test_production_needs_no_webhook_secret_when_no_inbound_webhook_is_mounted():
    env = {key: value for key, value in PRODUCTION.items() if key != "ANYMAIL_WEBHOOK_SECRET"}

    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", **env, INBOUND_EMAIL_PROVIDER=""
    )

    assert result.returncode == 0, result.stderr + result.stdout


def test_production_turns_the_local_checkout_off_even_when_asked():
    code = "from django.conf import settings; print(settings.SHOP_LOCAL_CHECKOUT)"

    result = manage("shell", "--no-imports", "-c", code, **PRODUCTION, SHOP_LOCAL_CHECKOUT="true")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_the_deployment_checks_name_what_development_settings_leave_open():
    """`check --deploy` on development settings warns of what production will refuse."""
    result = manage(
        "check",
        "--deploy",
        DJANGO_SETTINGS_MODULE="portal.settings.local",
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
    )

    output = result.stdout + result.stderr
    for check_id in ("novadesk.E001", "novadesk.E002", "novadesk.E003"):
        assert check_id in output
    assert "Checkout completes in the portal without payment" in output


class TestDeploymentChecks:
    """Under production settings each finding is an error, so `check --deploy` fails."""

    @pytest.fixture(autouse=True)
    def _production(self, settings):
        settings.DEPLOYMENT = "production"
        settings.SHOP_CHECKOUT_URL = "https://shop.example.com/checkout"
        settings.SHOP_LOCAL_CHECKOUT = False
        settings.INBOUND_EMAIL_PROVIDER = "postmark"
        settings.ANYMAIL = {"WEBHOOK_SECRET": "postmark:secret"}
        settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
        settings.ORDER_WEBHOOK_SECRET = "shop-secret"

    def findings(self) -> dict[str, str]:
        from django.core import checks

        return {
            message.id: type(message).__name__
            for message in checks.run_checks(include_deployment_checks=True)
            if message.id.startswith("novadesk.")
        }

    def test_a_safe_production_configuration_has_no_finding(self):
        assert self.findings() == {}

    @pytest.mark.parametrize(
        ("change", "check_id"),
        [
            ({"SHOP_CHECKOUT_URL": ""}, "novadesk.E001"),
            ({"SHOP_LOCAL_CHECKOUT": True}, "novadesk.E001"),
            ({"ANYMAIL": {}}, "novadesk.E002"),
            ({"ANYMAIL": {"WEBHOOK_SECRET": "no-colon"}}, "novadesk.E002"),
            ({"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}, "novadesk.E003"),
            ({"ORDER_WEBHOOK_SECRET": ""}, "novadesk.E004"),
        ],
    )
    def test_each_unsafe_value_is_an_error(self, settings, change, check_id):
        for name, value in change.items():
            setattr(settings, name, value)

        assert self.findings() == {check_id: "Error"}

    def test_elsewhere_the_same_finding_is_a_warning(self, settings):
        settings.DEPLOYMENT = "development"
        settings.SHOP_LOCAL_CHECKOUT = True

        assert self.findings() == {"novadesk.E001": "Warning"}
