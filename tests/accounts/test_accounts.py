"""Accounts: sign-up with verification through the outbox, profile, team, language, throttling."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from portal.accounts.models import User
from portal.accounts.selectors import support_team_for, user_support_team
from portal.core.models import OutboundEmail
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def sign_up(client, email: str = "new@example.com"):
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": PASSWORD, "password2": PASSWORD},
    )


class TestSignUp:
    def test_sign_up_writes_the_verification_mail_to_the_outbox(self, client):
        response = sign_up(client)

        assert response.status_code == 302
        user = User.objects.get(email="new@example.com")
        assert not EmailAddress.objects.get(user=user).verified
        mail = OutboundEmail.objects.get(to="new@example.com")
        assert mail.status == "pending"
        assert mail.tag == "email_confirmation_signup"
        assert re.search(r"/accounts/confirm-email/[^/\s]+/", mail.body_text)

    def test_the_link_in_the_mail_verifies_the_address(self, client):
        sign_up(client)
        body = OutboundEmail.objects.get(to="new@example.com").body_text
        link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)", body).group(1)

        client.post(link)

        assert EmailAddress.objects.get(email="new@example.com").verified

    def test_unverified_accounts_cannot_sign_in(self, client):
        sign_up(client)
        client.logout()

        response = client.post(
            reverse("account_login"), {"login": "new@example.com", "password": PASSWORD}
        )

        assert response.status_code == 302
        assert response.url == reverse("account_email_verification_sent")
        assert "_auth_user_id" not in client.session

    def test_a_german_visitor_gets_a_german_account_and_mail(self, client):
        client.cookies["django_language"] = "de"

        sign_up(client, "kunde@example.de")

        assert User.objects.get(email="kunde@example.de").language == "de"
        mail = OutboundEmail.objects.get(to="kunde@example.de")
        assert mail.language == "de"
        assert "E-Mail" in mail.subject


class TestProfile:
    def test_customer_updates_their_profile(self, customer_client, customer):
        response = customer_client.post(
            reverse("accounts:profile"),
            {
                "name": "Paula Müller",
                "language": "de",
                "country": "AT",
                "phone": "+43 1 2345678",
                "release_notifications": "on",
            },
        )

        assert response.status_code == 302
        customer.refresh_from_db()
        assert customer.name == "Paula Müller"
        assert customer.language == "de"
        assert str(customer.phone) == "+4312345678"
        assert customer.release_notifications is True
        assert customer.support_team == "de"
        assert response.cookies["django_language"].value == "de"

    def test_invalid_phone_number_is_refused_with_a_field_error(self, customer_client):
        response = customer_client.post(
            reverse("accounts:profile"),
            {"name": "Paula", "language": "en", "country": "US", "phone": "call me maybe"},
        )

        assert response.status_code == 200
        assert "phone" in response.context["form"].errors

    def test_profile_needs_a_signed_in_user(self, client):
        response = client.get(reverse("accounts:profile"))

        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


class TestSupportTeam:
    @pytest.mark.parametrize(
        ("country", "language", "team"),
        [
            ("US", "en", "us"),
            ("CA", "de", "us"),
            ("DE", "en", "de"),
            ("CH", "de", "de"),
            ("GB", "en", "de"),
            ("", "de", "de"),
            ("", "en", "us"),
        ],
    )
    def test_team_follows_country_then_language(self, country, language, team):
        assert support_team_for(country=country, language=language) == team

    def test_staff_override_wins(self):
        user = UserFactory(country="DE", language="de", support_team_override="us")

        assert user_support_team(user=user) == "us"


class TestLanguage:
    def test_switching_language_is_remembered_on_the_account(self, customer_client, customer):
        response = customer_client.post(
            reverse("accounts:set_language"), {"language": "de", "next": "/"}
        )

        assert response.status_code == 302
        customer.refresh_from_db()
        assert customer.language == "de"

    def test_a_signed_in_user_sees_their_saved_language(self, client):
        user = UserFactory(language="de")
        client.force_login(user)

        response = client.get("/")

        assert response.headers["Content-Language"] == "de"
        assert "Support für NovaBACKUP" in response.content.decode()

    def test_anonymous_visitor_switches_to_german(self, client):
        client.post(reverse("accounts:set_language"), {"language": "de", "next": "/"})

        response = client.get("/")

        assert 'lang="de"' in response.content.decode()
        assert "Anmelden" in response.content.decode()


class TestSignInThrottle:
    def test_repeated_wrong_passwords_are_throttled(self, client):
        UserFactory(email="target@example.com")
        url = reverse("account_login")
        for _ in range(5):
            client.post(url, {"login": "target@example.com", "password": "wrong"})

        response = client.post(url, {"login": "target@example.com", "password": PASSWORD})

        assert "_auth_user_id" not in client.session
        assert "Too many failed login attempts" in response.content.decode()

    def test_the_right_password_works_before_the_limit(self, client):
        UserFactory(email="target@example.com")
        url = reverse("account_login")
        for _ in range(3):
            client.post(url, {"login": "target@example.com", "password": "wrong"})

        client.post(url, {"login": "target@example.com", "password": PASSWORD})

        assert "_auth_user_id" in client.session


class TestPasswordReset:
    def test_reset_mail_goes_through_the_outbox(self, client):
        UserFactory(email="forgetful@example.com")

        client.post(reverse("account_reset_password"), {"email": "forgetful@example.com"})

        mail = OutboundEmail.objects.get(to="forgetful@example.com")
        assert "/accounts/password/reset/key/" in mail.body_text


class TestApi:
    def test_me_answers_with_the_account(self, customer_client, customer):
        response = customer_client.get("/api/v1/me/")

        assert response.status_code == 200
        assert response.json()["email"] == customer.email
        assert response.json()["support_team"] == "us"

    def test_me_needs_authentication(self, client):
        assert client.get("/api/v1/me/").status_code in (401, 403)

    def test_token_authentication_works(self, client, customer):
        from rest_framework.authtoken.models import Token

        token = Token.objects.create(user=customer)

        response = client.get("/api/v1/me/", headers={"Authorization": f"Token {token.key}"})

        assert response.status_code == 200

    def test_schema_is_published(self, client):
        response = client.get("/api/schema/", headers={"Accept": "application/json"})

        assert response.status_code == 200
        assert b"/api/v1/me/" in response.content
