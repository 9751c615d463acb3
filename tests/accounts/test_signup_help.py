"""The sign-up page tells customers the rules that apply to them, and no staff rule."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_sign_up_page_lists_the_customer_rules_only(client, language):
    response = client.get(reverse("account_signup"), HTTP_ACCEPT_LANGUAGE=language)

    page = response.content.decode()
    assert response.status_code == 200
    assert "<li>" in page  # the customer rules are listed
    for staff_words in ("Staff", "staff", "Mitarbeiter", "14"):
        assert staff_words not in page.split('name="password1"')[1].split("</form>")[0]


def test_a_customer_may_still_sign_up_with_a_short_mixed_password(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "new@example.com", "password1": "Backup2026x", "password2": "Backup2026x"},
    )

    assert response.status_code == 302
