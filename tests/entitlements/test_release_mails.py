"""Release e-mails: one per opted-in customer with a licence, with what the release costs them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from entitlements import releases, services, tasks
from entitlements.models import Product, Registration, Release, ReleaseNotice
from portal.accounts.models import User
from portal.core import services as outbox
from portal.core.errors import ApplicationError
from portal.core.models import OutboundEmail
from tests.factories import PASSWORD, StaffFactory, UserFactory, grant, issued_licence

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("releases", "frozen_monday")]

# The catalogue's newest major, 21, came out on 2025-03-18; the tests publish 22.0 "today",
# Monday 23 November 2026.
TAG = "release_published"


def subscriber(email: str, *, language: str = "en", **fields) -> User:
    return UserFactory(email=email, language=language, release_notifications=True, **fields)


def licence(customer, version: str, purchased_on: date, key: str) -> Registration:
    """A licence an order sold on ``purchased_on`` (noon UTC), registered by ``customer``."""
    bought = datetime.combine(purchased_on, time(12), UTC)
    issued_licence(key=key, purchased_at=bought)
    with time_machine.travel(bought):
        registration, _created = services.registration_create(
            customer=customer, product="professional", kind="licence", key=key, version=version
        )
    return registration


def new_release(version: str = "22.0", **fields) -> Release:
    release = Release(
        product=Product.objects.get(code="professional"),
        version=version,
        released_on=date(2026, 11, 23),
        notes=fields.pop("notes", "Faster backups to the cloud."),
        **fields,
    )
    release.save()
    return release


def release_mails(to: str | None = None):
    rows = OutboundEmail.objects.filter(tag=TAG)
    return rows.filter(to=to) if to else rows


def the_mail(to: str) -> OutboundEmail:
    return release_mails(to).get()


class TestCostLine:
    def test_a_release_in_the_owned_major_is_a_free_update(self):
        customer = subscriber("update@example.com")
        licence(customer, "21.2", date(2025, 6, 1), key="LIC-UPDATE")

        releases.release_announce(release=new_release("21.3"))

        row = the_mail("update@example.com")
        assert "Free update." in row.body_text
        assert "major version 21 are free" in row.body_text
        assert row.subject == "New release: NovaBACKUP Professional 21.3"

    def test_a_major_within_thirty_days_of_purchase_is_a_free_upgrade(self):
        customer = subscriber("recent@example.com")
        licence(customer, "21.2", date(2026, 11, 10), key="LIC-RECENT")

        releases.release_announce(release=new_release())

        body = the_mail("recent@example.com").body_text
        assert "Free upgrade." in body
        assert "within 30 days of your purchase" in body

    def test_unbroken_upgrade_protection_makes_the_upgrade_free(self):
        customer = subscriber("protected@example.com")
        licence(customer, "21.0", date(2025, 4, 1), key="LIC-PROTECTED")
        grant(customer, "upgrade-protection", starts_at=datetime(2025, 4, 1, 12, tzinfo=UTC))
        grant(customer, "upgrade-protection", starts_at=datetime(2026, 3, 25, 12, tzinfo=UTC))

        releases.release_announce(release=new_release())

        body = the_mail("protected@example.com").body_text
        assert "Free upgrade." in body
        assert "Upgrade Protection has run without interruption" in body

    def test_the_previous_major_gets_the_discount(self):
        customer = subscriber("previous@example.com")
        licence(customer, "21.0", date(2025, 4, 1), key="LIC-PREVIOUS")

        releases.release_announce(release=new_release())

        body = the_mail("previous@example.com").body_text
        assert "Discounted upgrade." in body
        assert "the upgrade discount applies" in body
        assert ReleaseNotice.objects.get(customer=customer).price == "discounted"

    def test_an_older_major_pays_the_full_price(self):
        customer = subscriber("older@example.com")
        licence(customer, "20.0", date(2023, 6, 1), key="LIC-OLDER")

        releases.release_announce(release=new_release())

        body = the_mail("older@example.com").body_text
        assert "Full price." in body
        assert "from version 20 the full price applies" in body

    def test_the_newest_licence_decides_the_cost(self):
        customer = subscriber("both@example.com")
        licence(customer, "20.0", date(2023, 6, 1), key="LIC-BOTH-20")
        licence(customer, "21.0", date(2025, 4, 1), key="LIC-BOTH-21")

        releases.release_announce(release=new_release())

        assert "Discounted upgrade." in the_mail("both@example.com").body_text

    def test_the_mail_speaks_the_customers_language(self):
        customer = subscriber("kunde@example.com", language="de", country="DE")
        licence(customer, "21.0", date(2025, 4, 1), key="LIC-DE")

        releases.release_announce(release=new_release())

        row = the_mail("kunde@example.com")
        assert row.language == "de"
        assert row.subject.startswith("Neue Version:")
        assert "Vergünstigtes Upgrade." in row.body_text
        assert "Faster backups to the cloud." in row.body_text


class TestAudience:
    def test_one_mail_per_opted_in_customer_with_a_licence_and_none_to_others(self):
        first = subscriber("one@example.com")
        licence(first, "21.0", date(2025, 4, 1), key="LIC-ONE-A")
        licence(first, "21.1", date(2025, 5, 1), key="LIC-ONE-B")
        quiet = UserFactory(email="quiet@example.com", release_notifications=False)
        licence(quiet, "21.0", date(2025, 4, 1), key="LIC-QUIET")
        subscriber("nolicence@example.com")
        evaluator = subscriber("eval@example.com")
        services.registration_create(
            customer=evaluator,
            product="professional",
            kind="evaluation",
            key="EV-1",
            version="21.2",
        )
        other_product = subscriber("server@example.com")
        issued_licence(key="LIC-SERVER", product="server")
        services.registration_create(
            customer=other_product,
            product="server",
            kind="licence",
            key="LIC-SERVER",
            version="21.0",
        )

        count = releases.release_announce(release=new_release())

        assert count == 1
        assert list(release_mails().values_list("to", flat=True)) == ["one@example.com"]

    def test_a_beta_release_is_not_announced(self):
        customer = subscriber("beta@example.com")
        licence(customer, "21.0", date(2025, 4, 1), key="LIC-BETA")
        beta = new_release("22.0", is_beta=True)

        with pytest.raises(ApplicationError):
            releases.release_publish(release=beta, actor=None)
        assert releases.release_announce(release=beta) == 0
        assert not release_mails().exists()


class TestExactlyOnce:
    @pytest.fixture
    def five_customers(self):
        for number in range(5):
            customer = subscriber(f"reader{number}@example.com")
            licence(customer, "21.0", date(2025, 4, 1), key=f"LIC-READER-{number}")

    def test_running_the_task_twice_mails_each_customer_once(self, five_customers):
        release = new_release()

        assert tasks.announce_release(release.pk) == 5
        assert tasks.announce_release(release.pk) == 0

        assert release_mails().count() == 5
        assert ReleaseNotice.objects.filter(release=release).count() == 5

    def test_a_crash_after_the_first_batch_resumes_without_duplicates(
        self, five_customers, monkeypatch
    ):
        release = new_release()
        monkeypatch.setattr(releases, "BATCH_SIZE", 2)
        real_enqueue = outbox.email_enqueue_many
        calls = []

        def crash_on_second_batch(*, emails):
            calls.append(len(emails))
            if len(calls) == 2:
                raise RuntimeError("worker died")
            return real_enqueue(emails=emails)

        monkeypatch.setattr(releases.outbox, "email_enqueue_many", crash_on_second_batch)
        with pytest.raises(RuntimeError):
            tasks.announce_release(release.pk)

        # The failed batch left neither notices nor mails behind.
        assert release_mails().count() == 2
        assert ReleaseNotice.objects.filter(release=release).count() == 2

        monkeypatch.setattr(releases.outbox, "email_enqueue_many", real_enqueue)
        assert tasks.announce_release(release.pk) == 3

        recipients = list(release_mails().values_list("to", flat=True))
        assert sorted(recipients) == [f"reader{n}@example.com" for n in range(5)]

    def test_publishing_queues_the_task_after_commit(
        self, five_customers, monkeypatch, django_capture_on_commit_callbacks
    ):
        release = new_release()
        monkeypatch.setattr(
            tasks.announce_release,
            "apply_async",
            lambda args, **kwargs: tasks.announce_release(*args),
        )

        with django_capture_on_commit_callbacks(execute=True):
            releases.release_publish(release=release, actor=None)
            assert not release_mails().exists()

        assert release_mails().count() == 5

    def test_the_admin_action_publishes(
        self, client, monkeypatch, django_capture_on_commit_callbacks
    ):
        customer = subscriber("admin-case@example.com")
        licence(customer, "21.0", date(2025, 4, 1), key="LIC-ADMIN")
        release = new_release()
        queued = []
        monkeypatch.setattr(
            tasks.announce_release, "apply_async", lambda args, **kwargs: queued.append(args)
        )
        client.force_login(StaffFactory(is_superuser=True))

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("admin:entitlements_release_changelist"),
                {"action": "announce", "_selected_action": [release.pk]},
            )

        assert response.status_code == 302
        assert queued == [[release.pk]]


class TestUnsubscribe:
    @pytest.fixture
    def reader(self):
        customer = subscriber("reader@example.com")
        licence(customer, "21.0", date(2025, 4, 1), key="LIC-READER")
        return customer

    def test_the_delivered_mail_carries_the_one_click_headers(self, reader):
        releases.release_announce(release=new_release())
        row = the_mail("reader@example.com")

        outbox.email_deliver(email_id=row.pk)

        assert len(mail.outbox) == 1
        headers = mail.outbox[0].extra_headers
        url = releases.unsubscribe_url(customer=reader)
        assert headers["List-Unsubscribe"] == f"<{url}>"
        assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert url in mail.outbox[0].body

    def test_get_asks_and_post_unsubscribes(self, reader):
        client = Client(enforce_csrf_checks=True)
        url = releases.unsubscribe_url(customer=reader)

        page = client.get(url)
        reader.refresh_from_db()
        assert page.status_code == 200
        assert b'method="post"' in page.content
        assert reader.release_notifications is True

        done = client.post(url)
        reader.refresh_from_db()
        assert done.status_code == 200
        assert reader.release_notifications is False

    def test_one_click_post_without_a_session_or_csrf_token_stops_the_next_mail(self, reader):
        releases.release_announce(release=new_release("21.3"))
        url = releases.unsubscribe_url(customer=reader)

        response = Client(enforce_csrf_checks=True).post(url, {"List-Unsubscribe": "One-Click"})

        assert response.status_code == 200
        releases.release_announce(release=new_release("22.0"))
        assert release_mails("reader@example.com").count() == 1
        assert "21.3" in the_mail("reader@example.com").subject

    def test_a_forged_token_changes_nothing(self, reader):
        token = releases.unsubscribe_token(customer=reader)
        forged = token[:-2] + ("aa" if not token.endswith("aa") else "bb")

        response = Client().post(
            reverse("entitlements:release_unsubscribe", kwargs={"token": forged})
        )

        reader.refresh_from_db()
        assert response.status_code == 404
        assert reader.release_notifications is True


class TestSignUp:
    def test_the_form_offers_release_mails_unticked(self, client):
        response = client.get(reverse("account_signup"))

        field = response.context["form"]["release_notifications"]
        assert field.value() in (None, False)
        html = str(field)
        assert 'type="checkbox"' in html and "checked" not in html
        assert b'name="release_notifications"' in response.content

    def test_ticking_it_subscribes_the_new_account(self, client):
        client.post(
            reverse("account_signup"),
            {
                "email": "ticked@example.com",
                "password1": PASSWORD,
                "password2": PASSWORD,
                "release_notifications": "on",
            },
        )

        assert User.objects.get(email="ticked@example.com").release_notifications is True

    def test_leaving_it_unticked_does_not(self, client):
        client.post(
            reverse("account_signup"),
            {"email": "unticked@example.com", "password1": PASSWORD, "password2": PASSWORD},
        )

        assert User.objects.get(email="unticked@example.com").release_notifications is False
