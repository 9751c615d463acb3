"""Macros: their placeholders, who is offered which, sending one from a ticket's page, the seed
macros, and who may keep or change them in the admin."""

from __future__ import annotations

import importlib
import re
from datetime import UTC, datetime

import pytest
from django.apps import apps as global_apps
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from knowledge.models import Article, ArticleState
from portal.accounts import roles
from portal.core.errors import ApplicationError
from portal.core.models import OutboundEmail
from teams.models import Team
from tests.factories import StaffFactory, UserFactory, grant
from tickets import macros, services
from tickets.errors import ErrorCode
from tickets.models import Macro, Message, Priority, Status, Ticket, TicketEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_monday")]

MACROS = "/admin/tickets/macro/"
MACRO_ADD = MACROS + "add/"
# 20:30 UTC on the frozen Monday: 12:30 in Los Angeles, 21:30 in Berlin.
DUE = datetime(2026, 11, 23, 20, 30, tzinfo=UTC)
SEED_MIGRATION = "tickets.migrations.0013_macros"


# --- Helpers and fixtures ---------------------------------------------------------------------


def make_macro(**fields) -> Macro:
    fields.setdefault("title", "Ask for the logs")
    fields.setdefault("body", "Hello {{ customer.first_name }}, please send the job log.")
    fields.setdefault("language", "en")
    return Macro.objects.create(**fields)


def page_url(ticket: Ticket) -> str:
    return reverse("admin:tickets_ticket_change", args=[ticket.pk])


def desk_url(ticket: Ticket, step: str) -> str:
    return reverse("admin:tickets_ticket_desk", args=[ticket.pk, step])


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def counts() -> tuple[int, int, int]:
    """Messages, events and outbox rows: what a refused apply must leave as it was."""
    return Message.objects.count(), TicketEvent.objects.count(), OutboundEmail.objects.count()


def staff_in(group: str, **extra):
    user = StaffFactory(**extra)
    user.groups.add(Group.objects.get(name=group))
    return user


def picker_options(content: str) -> list[str]:
    select = re.search(r'<select name="macro"[^>]*>(.*?)</select>', content, flags=re.S)
    assert select, "no macro picker on the page"
    return [
        label.strip()
        for label in re.findall(r'<option value="\d+"[^>]*>([^<]*)</option>', select.group(1))
    ]


@pytest.fixture(autouse=True)
def _only_our_macros(db) -> None:
    """The seed macros of the migration are left out, unless a test loads them itself."""
    Macro.objects.all().delete()


@pytest.fixture
def ticket(open_ticket, us_engineer) -> Ticket:
    Ticket.objects.filter(pk=open_ticket.pk).update(first_response_due=DUE)
    return Ticket.objects.select_related("customer", "product", "team").get(pk=open_ticket.pk)


@pytest.fixture
def sam(us_engineer):
    us_engineer.name = "Sam Desk"
    us_engineer.save(update_fields=["name"])
    return us_engineer


@pytest.fixture
def german_ticket(releases, de_engineer) -> Ticket:
    customer = UserFactory(
        email="jana@example.de", name="Jana Maria Schulz", language="de", country="DE"
    )
    grant(customer, "premium")
    created = services.ticket_create(
        customer=customer,
        product="professional",
        version="21.2",
        category="technical",
        subject="Sicherung bricht mit VSS-Fehler ab",
        description="Seit gestern schlägt der Auftrag fehl.",
    ).ticket
    Ticket.objects.filter(pk=created.pk).update(first_response_due=DUE)
    return Ticket.objects.select_related("customer", "product", "team").get(pk=created.pk)


@pytest.fixture
def article(db) -> Article:
    return Article.objects.create(
        title="VSS writer timed out during backup",
        slug="vss-writer-timeout",
        category="troubleshooting",
        state=ArticleState.PUBLISHED,
    )


@pytest.fixture
def engineer_client(client, sam):
    client.force_login(sam)
    return client


# --- Placeholders -----------------------------------------------------------------------------


class TestRendering:
    def test_every_placeholder_is_filled_in(self, ticket, sam, article, settings):
        macro = make_macro(
            body=(
                "{{ customer.first_name }}|{{ customer.last_name }}|{{ ticket.id }}|"
                "{{ ticket.subject }}|{{ ticket.product }}|{{ ticket.due }}|"
                "{{engineer.first_name}}|{{ article.vss-writer-timeout }}"
            )
        )

        text = macros.macro_render(macro=macro, ticket=ticket, engineer=sam)

        assert text.split("|") == [
            "Paula",
            "Premium",
            ticket.ticket_id,
            "Backup job fails with error 0x80070005",
            ticket.product.name,
            "Nov. 23, 2026, 12:30 p.m. PST",
            "Sam",
            f"{settings.SITE_URL}/help/vss-writer-timeout/",
        ]
        assert re.fullmatch(r"NS-\d{4}-\d{6}", text.split("|")[2])

    def test_a_german_ticket_gets_the_due_time_in_german_and_berlin_time(
        self, german_ticket, de_engineer
    ):
        macro = make_macro(
            title="Rückmeldung",
            language="de",
            body=(
                "Guten Tag {{ customer.first_name }} {{ customer.last_name }}, "
                "bis {{ ticket.due }}."
            ),
        )

        text = macros.macro_render(macro=macro, ticket=german_ticket, engineer=de_engineer)

        assert german_ticket.team.code == "de"
        assert text == "Guten Tag Jana Maria Schulz, bis 23. November 2026 21:30 CET."

    def test_unknown_or_unfillable_placeholders_stay_as_written(self, ticket, sam, article):
        Article.objects.filter(pk=article.pk).update(state=ArticleState.ARCHIVED)
        Ticket.objects.filter(pk=ticket.pk).update(first_response_due=None)
        ticket.refresh_from_db()
        body = (
            "{{ customer.shoe_size }} {{ article.vss-writer-timeout }} {{ ticket.due }} "
            "{{ customer.first_name|upper }} {% if 1 %}x{% endif %} {{ ticket.id }}"
        )

        text = macros.text_render(body, ticket=ticket, engineer=sam)

        assert text == (
            "{{ customer.shoe_size }} {{ article.vss-writer-timeout }} {{ ticket.due }} "
            "{{ customer.first_name|upper }} {% if 1 %}x{% endif %} " + ticket.ticket_id
        )
        assert macros.unfilled(text) == [
            "{{ customer.shoe_size }}",
            "{{ article.vss-writer-timeout }}",
            "{{ ticket.due }}",
            "{{ customer.first_name|upper }}",
        ]

    def test_the_values_are_plain_text_never_markup_or_templates(self, ticket, sam):
        Ticket.objects.filter(pk=ticket.pk).update(subject="{{ engineer.first_name }} <b>x</b>")
        ticket.refresh_from_db()

        text = macros.text_render("Re: {{ ticket.subject }}", ticket=ticket, engineer=sam)

        # Filled in once: a value that looks like a placeholder is not filled in again.
        assert text == "Re: {{ engineer.first_name }} <b>x</b>"

    def test_the_check_accepts_every_known_placeholder(self, article):
        known = " ".join(f"{{{{ {name} }}}}" for name in macros.FIELDS)

        macros.placeholders_check(known + " {{ article.vss-writer-timeout }}")

    @pytest.mark.parametrize(
        ("text", "named"),
        [
            ("Hi {{ customer.name }}", "{{ customer.name }}"),
            ("{{ ticket.id }} {{ ticket.status }}", "{{ ticket.status }}"),
            ("{{ customer.first_name|upper }}", "{{ customer.first_name|upper }}"),
            ("{{ }}", "{{  }}"),
        ],
    )
    def test_the_check_names_an_unknown_placeholder(self, text, named):
        with pytest.raises(ValidationError) as refused:
            macros.placeholders_check(text)

        assert f"Unknown placeholder: {named}" in str(refused.value)

    def test_the_check_refuses_an_article_nobody_can_read(self, article):
        Article.objects.filter(pk=article.pk).update(state=ArticleState.DRAFT)

        with pytest.raises(ValidationError) as refused:
            macros.placeholders_check("See {{ article.vss-writer-timeout }}")

        assert "vss-writer-timeout" in str(refused.value)


# --- Who is offered which macro ---------------------------------------------------------------


class TestVisibility:
    def test_personal_team_other_team_language_and_inactive(self, ticket, sam, de_engineer):
        de_team = Team.objects.get(code="de")
        make_macro(title="B every team")
        make_macro(title="A the US team", team=ticket.team)
        make_macro(title="C mine", owner=sam)
        make_macro(title="D Jonas's own", owner=de_engineer)
        make_macro(title="E the German team", team=de_team)
        make_macro(title="F in German", language="de")
        make_macro(title="G retired", is_active=False)

        offered = macros.macros_for(engineer=sam, ticket=ticket)

        assert [macro.title for macro in offered] == ["A the US team", "B every team", "C mine"]

    def test_a_german_ticket_offers_the_german_macros(self, german_ticket, de_engineer):
        make_macro(title="Protokolle anfordern", language="de")
        make_macro(title="Ask for the logs", language="en")

        offered = macros.macros_for(engineer=de_engineer, ticket=german_ticket)

        assert [macro.title for macro in offered] == ["Protokolle anfordern"]

    def test_the_list_is_one_query(self, ticket, sam, django_assert_num_queries):
        for number in range(15):
            make_macro(title=f"Macro {number}", team=ticket.team if number % 2 else None)

        with django_assert_num_queries(1):
            offered = macros.macros_for(engineer=sam, ticket=ticket)
            labels = [f"{macro.title} {macro.team}" for macro in offered]

        assert len(labels) == 15


# --- Sending a macro's reply ------------------------------------------------------------------


class TestApply:
    def test_reply_priority_and_note_in_one_go(self, ticket, sam):
        macro = make_macro(
            awaits_customer=True,
            priority=Priority.HIGH,
            internal_note="Asked {{ customer.first_name }} for the job log.",
        )

        message = macros.macro_apply(
            ticket=ticket, macro=macro, engineer=sam, body="Hello Paula, the log please."
        )

        ticket.refresh_from_db()
        assert message.kind == Message.Kind.ENGINEER
        assert message.body == "Hello Paula, the log please."
        assert message.awaits_customer
        assert ticket.status == Status.WAITING
        assert ticket.contact_attempts == 1
        assert ticket.priority == Priority.HIGH
        note = Message.objects.get(ticket=ticket, kind=Message.Kind.NOTE)
        assert note.body == "Asked Paula for the job log."
        actions = list(
            TicketEvent.objects.filter(ticket=ticket, actor=sam)
            .order_by("pk")
            .values_list("action", flat=True)
        )
        assert actions == ["replied", "priority changed", "internal note"]
        assert OutboundEmail.objects.filter(tag="ticket_reply").count() == 1

    def test_a_macro_without_actions_only_replies(self, ticket, sam):
        macro = make_macro(priority=None, internal_note="")

        macros.macro_apply(ticket=ticket, macro=macro, engineer=sam, body="It is fixed.")

        ticket.refresh_from_db()
        assert ticket.status == Status.OPEN
        assert ticket.priority == Priority.NORMAL
        assert not Message.objects.filter(ticket=ticket, kind=Message.Kind.NOTE).exists()
        assert not TicketEvent.objects.filter(ticket=ticket, action="priority changed").exists()

    def test_a_failure_after_the_reply_leaves_nothing_behind(self, ticket, sam, monkeypatch):
        macro = make_macro(priority=Priority.URGENT, internal_note="Escalated.")
        before = counts()

        def refuse(**kwargs):
            raise ApplicationError("The note is refused.", code="invalid")

        monkeypatch.setattr(services, "ticket_note", refuse)
        with pytest.raises(ApplicationError):
            macros.macro_apply(ticket=ticket, macro=macro, engineer=sam, body="Hello Paula.")

        ticket.refresh_from_db()
        assert counts() == before
        assert ticket.priority == Priority.NORMAL
        assert ticket.first_responded_at is None

    @pytest.mark.parametrize(
        ("fields", "code"),
        [
            ({"owner": "other"}, ErrorCode.MACRO_NOT_AVAILABLE),
            ({"team": "de"}, ErrorCode.MACRO_NOT_AVAILABLE),
            ({"is_active": False}, ErrorCode.MACRO_NOT_AVAILABLE),
            ({"language": "de"}, ErrorCode.MACRO_OTHER_LANGUAGE),
        ],
        ids=["someone-elses", "other-team", "inactive", "other-language"],
    )
    def test_a_refused_macro_writes_nothing(self, ticket, sam, de_engineer, fields, code):
        if fields.get("owner") == "other":
            fields["owner"] = de_engineer
        if fields.get("team") == "de":
            fields["team"] = Team.objects.get(code="de")
        macro = make_macro(priority=Priority.HIGH, internal_note="x", **fields)
        before = counts()

        with pytest.raises(ApplicationError) as refused:
            macros.macro_apply(ticket=ticket, macro=macro, engineer=sam, body="Hello.")

        assert refused.value.code == code
        assert counts() == before
        ticket.refresh_from_db()
        assert ticket.priority == Priority.NORMAL


# --- The seed macros --------------------------------------------------------------------------


class TestSeedMacros:
    def test_team_macros_in_english_and_german_safe_to_load_twice(self):
        seed = importlib.import_module(SEED_MIGRATION)

        seed.create_team_macros(global_apps, None)
        seed.create_team_macros(global_apps, None)

        seeded = Macro.objects.all()
        assert seeded.count() == 8
        assert seeded.filter(owner__isnull=True, team__isnull=True).count() == 8
        assert seeded.filter(language="en").count() == seeded.filter(language="de").count() == 4
        for macro in seeded:
            macros.placeholders_check(macro.body)
            macros.placeholders_check(macro.internal_note)
        titles = set(seeded.values_list("title", flat=True))
        assert {"Ask for the logs", "Protokolle anfordern", "VSS troubleshooting"} <= titles

    def test_a_changed_seed_macro_is_not_overwritten(self):
        seed = importlib.import_module(SEED_MIGRATION)
        make_macro(title="Ask for the logs", body="Our own wording.")

        seed.create_team_macros(global_apps, None)

        assert Macro.objects.get(title="Ask for the logs").body == "Our own wording."


# --- The ticket page --------------------------------------------------------------------------


class TestTicketPage:
    def test_the_picker_lists_the_engineers_macros(self, engineer_client, ticket, sam, de_engineer):
        make_macro(title="Ask for the logs")
        make_macro(title="My greeting", owner=sam)
        make_macro(title="Jonas's own", owner=de_engineer)
        make_macro(title="Auf Deutsch", language="de")

        content = engineer_client.get(page_url(ticket)).content.decode()

        assert picker_options(content) == ["Ask for the logs", "My greeting · personal"]
        assert 'id="triage-macro-picker"' in content
        assert "css/desk-macros.css" in content
        assert f'action="{desk_url(ticket, "reply")}"' in content  # no macro chosen yet

    def test_preview_fills_in_the_reply_and_says_what_else_happens(self, engineer_client, ticket):
        macro = make_macro(
            body="Hello {{ customer.first_name }}, about {{ ticket.id }}: {{ customer.shoe }}",
            awaits_customer=True,
            priority=Priority.HIGH,
            internal_note="Logs asked for {{ ticket.id }}.",
        )

        content = engineer_client.get(f"{page_url(ticket)}?macro={macro.pk}").content.decode()

        assert f'action="{desk_url(ticket, "macro")}"' in content
        assert f'name="macro-macro" value="{macro.pk}"' in content
        assert (
            f"Hello Paula, about {ticket.ticket_id}: {{{{ customer.shoe }}}}</textarea>" in content
        )
        assert "The request waits for the customer&#x27;s answer" in content
        assert "Sets the priority to high." in content
        assert f"Adds an internal note: Logs asked for {ticket.ticket_id}." in content
        assert "replace by hand: {{ customer.shoe }}" in content
        assert f'<option value="{macro.pk}" selected>' in content
        assert ' style="' not in content
        assert not re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", content)

    def test_the_preview_keeps_the_queue_filters(self, engineer_client, ticket):
        macro = make_macro()

        content = engineer_client.get(
            f"{page_url(ticket)}?macro={macro.pk}&_changelist_filters=assigned%3Dall"
        ).content.decode()

        assert '<input type="hidden" name="_changelist_filters" value="assigned=all">' in content
        assert "desk/macro/?_changelist_filters=assigned%3Dall" in content

    def test_a_macro_the_engineer_may_not_use_is_not_previewed(
        self, engineer_client, ticket, de_engineer
    ):
        theirs = make_macro(title="Jonas's own", owner=de_engineer)
        make_macro(title="Ask for the logs")

        content = engineer_client.get(f"{page_url(ticket)}?macro={theirs.pk}").content.decode()

        assert "That macro is not available on this request" in content
        assert "Jonas&#x27;s own" not in content
        assert f'action="{desk_url(ticket, "reply")}"' in content
        assert 'name="macro-macro"' not in content

    def test_sending_sends_the_edited_text_and_does_the_rest(self, engineer_client, ticket):
        macro = make_macro(
            title="Ask for the logs",
            awaits_customer=True,
            priority=Priority.HIGH,
            internal_note="x",
        )

        response = engineer_client.post(
            desk_url(ticket, "macro"),
            {"macro-body": "Hello Paula, the job log please.", "macro-macro": macro.pk},
            follow=True,
        )

        reply = Message.objects.get(ticket=ticket, kind=Message.Kind.ENGINEER)
        assert reply.body == "Hello Paula, the job log please."
        assert reply.awaits_customer
        ticket.refresh_from_db()
        assert ticket.priority == Priority.HIGH
        assert ticket.status == Status.WAITING
        assert Message.objects.filter(ticket=ticket, kind=Message.Kind.NOTE, body="x").exists()
        assert messages_of(response) == [
            "The reply from the macro “Ask for the logs” was sent to the customer. "
            "The request now waits for the customer's answer. The priority is now high. "
            "Internal note added; the customer does not see it."
        ]

    def test_a_refused_send_keeps_the_text_and_writes_nothing(
        self, engineer_client, ticket, de_engineer
    ):
        theirs = make_macro(title="Jonas's own", owner=de_engineer)
        mine = make_macro(title="Mine")
        before = counts()

        response = engineer_client.post(
            desk_url(ticket, "macro"),
            {"macro-body": "My edited words.", "macro-macro": theirs.pk},
            follow=True,
        )

        assert counts() == before
        assert messages_of(response) == [
            "The macro “Jonas's own” is not available to you on this request."
        ]
        content = response.content.decode()
        assert 'name="macro-macro"' not in content
        assert "My edited words.</textarea>" in content  # in the plain reply form
        # A draft of a macro still offered comes back in its form.
        again = engineer_client.post(
            desk_url(ticket, "macro"),
            {"macro-body": "Kept words " * 2100, "macro-macro": mine.pk},
            follow=True,
        )
        content = again.content.decode()
        assert f'name="macro-macro" value="{mine.pk}"' in content
        assert 'name="reply-body"' not in content
        assert "Kept words Kept words" in content
        assert counts() == before

    def test_files_go_with_the_reply_and_a_refused_file_writes_nothing(
        self, engineer_client, ticket, settings, tmp_path
    ):
        settings.MEDIA_ROOT = tmp_path / "media"
        macro = make_macro(title="Steps", priority=Priority.HIGH, internal_note="Sent steps.")
        before = counts()

        refused = engineer_client.post(
            desk_url(ticket, "macro"),
            {
                "macro-body": "Run the attached tool, Paula.",
                "macro-macro": macro.pk,
                "macro-attachments": [
                    SimpleUploadedFile("tool.exe", b"MZ\x90\x00", "application/x-msdownload")
                ],
            },
            follow=True,
        )

        assert counts() == before
        assert any(message.level_tag == "error" for message in refused.context["messages"])
        content = refused.content.decode()
        assert "Run the attached tool, Paula.</textarea>" in content
        assert f'name="macro-macro" value="{macro.pk}"' in content

        engineer_client.post(
            desk_url(ticket, "macro"),
            {
                "macro-body": "The steps are attached.",
                "macro-macro": macro.pk,
                "macro-attachments": [SimpleUploadedFile("steps.txt", b"1. Open", "text/plain")],
            },
        )

        reply = Message.objects.get(ticket=ticket, kind=Message.Kind.ENGINEER)
        assert reply.attachments.get().name == "steps.txt"
        assert Message.objects.filter(ticket=ticket, kind=Message.Kind.NOTE).count() == 1

    def test_the_macro_list_adds_a_fixed_number_of_queries(self, engineer_client, ticket):
        first = make_macro(title="Macro 0")
        url = page_url(ticket)
        engineer_client.get(url)  # warm caches

        def queries(address: str) -> int:
            with CaptureQueriesContext(connection) as captured:
                response = engineer_client.get(address)
            assert response.status_code == 200
            return len(captured)

        few = queries(url)
        preview_few = queries(f"{url}?macro={first.pk}")
        for number in range(1, 25):
            make_macro(title=f"Macro {number}", team=ticket.team if number % 2 else None)
        many = queries(url)
        preview_many = queries(f"{url}?macro={first.pk}")

        assert many == few
        assert preview_many == preview_few <= few + 1

    def test_a_closed_ticket_has_no_picker(self, engineer_client, ticket):
        make_macro()
        Ticket.objects.filter(pk=ticket.pk).update(status=Status.CLOSED, resolution="resolved")

        content = engineer_client.get(page_url(ticket)).content.decode()

        assert 'id="triage-macro-picker"' not in content


# --- Roles and the admin ----------------------------------------------------------------------


class TestRoles:
    def perms(self, group: str) -> set[str]:
        return {
            f"{label}.{codename}"
            for label, codename in Group.objects.get(name=group).permissions.values_list(
                "content_type__app_label", "codename"
            )
        }

    def test_engineers_read_team_macros_and_keep_their_own(self):
        perms = self.perms(roles.SUPPORT_ENGINEER)

        assert {"tickets.view_macro", "tickets.keep_personal_macros"} <= perms
        assert not {"tickets.add_macro", "tickets.change_macro", "tickets.delete_macro"} & perms

    def test_leads_manage_the_team_macros(self):
        perms = self.perms(roles.SUPPORT_LEAD)

        assert {
            "tickets.view_macro",
            "tickets.keep_personal_macros",
            "tickets.add_macro",
            "tickets.change_macro",
            "tickets.delete_macro",
        } <= perms

    @pytest.mark.parametrize("group", [roles.SALES, roles.PRODUCT_TEAM])
    def test_sales_and_the_product_team_have_no_macros(self, client, group):
        assert not any("macro" in perm for perm in self.perms(group))
        client.force_login(staff_in(group))

        assert client.get(MACROS).status_code == 403


def macro_form(**values) -> dict:
    return {
        "title": "Greeting",
        "scope": "personal",
        "language": "en",
        "team": "",
        "is_active": "on",
        "body": "Hello {{ customer.first_name }}",
        "priority": "",
        "internal_note": "",
        **values,
    }


class TestMacroAdmin:
    @pytest.fixture
    def engineer_user(self, db):
        return staff_in(roles.SUPPORT_ENGINEER, email="eve@novadesk.test")

    @pytest.fixture
    def lead(self, db):
        return staff_in(roles.SUPPORT_LEAD, email="lea@novadesk.test")

    def test_an_engineer_sees_team_macros_and_only_their_own(self, client, engineer_user, lead):
        make_macro(title="Team macro")
        make_macro(title="Eve's macro", owner=engineer_user)
        theirs = make_macro(title="Lea's macro", owner=lead)
        client.force_login(engineer_user)

        content = client.get(MACROS).content.decode()
        other = client.get(reverse("admin:tickets_macro_change", args=[theirs.pk]))

        assert "Team macro" in content
        assert "Eve&#x27;s macro" in content
        assert "Lea&#x27;s macro" not in content
        assert other.status_code == 302  # as if it did not exist
        assert 'name="action"' not in content  # no bulk delete of team macros

    def test_an_engineer_adds_a_personal_macro_that_is_theirs(self, client, engineer_user):
        client.force_login(engineer_user)

        form = client.get(MACRO_ADD).content.decode()
        response = client.post(MACRO_ADD, macro_form())

        assert 'value="team"' not in form
        assert response.status_code == 302
        assert Macro.objects.get(title="Greeting").owner == engineer_user

    def test_an_engineer_cannot_make_or_change_a_team_macro(self, client, engineer_user):
        team_macro = make_macro(title="Team macro")
        client.force_login(engineer_user)

        refused = client.post(MACRO_ADD, macro_form(scope="team"))
        change_url = reverse("admin:tickets_macro_change", args=[team_macro.pk])
        view = client.get(change_url)
        changed = client.post(change_url, macro_form(title="Hijacked", scope="team"))

        assert refused.status_code == 200
        assert not Macro.objects.filter(title="Greeting").exists()
        assert view.status_code == 200
        assert 'name="title"' not in view.content.decode()  # read only
        assert changed.status_code == 403
        assert Macro.objects.get(pk=team_macro.pk).title == "Team macro"

    def test_an_engineer_changes_and_deletes_their_own(self, client, engineer_user):
        mine = make_macro(title="Mine", owner=engineer_user)
        client.force_login(engineer_user)

        client.post(
            reverse("admin:tickets_macro_change", args=[mine.pk]), macro_form(title="Renamed")
        )
        renamed = Macro.objects.get(pk=mine.pk)
        client.post(reverse("admin:tickets_macro_delete", args=[mine.pk]), {"post": "yes"})

        assert renamed.title == "Renamed"
        assert renamed.owner == engineer_user
        assert not Macro.objects.filter(pk=mine.pk).exists()

    def test_a_lead_adds_a_team_macro_for_one_team(self, client, lead):
        client.force_login(lead)
        team = Team.objects.get(code="de")

        response = client.post(
            MACRO_ADD, macro_form(scope="team", team=team.pk, language="de", title="Gruß")
        )

        assert response.status_code == 302
        macro = Macro.objects.get(title="Gruß")
        assert macro.owner is None
        assert macro.team == team

    def test_an_unknown_placeholder_is_refused_by_name(self, client, lead, article):
        client.force_login(lead)

        response = client.post(
            MACRO_ADD,
            macro_form(
                scope="team",
                body="Hi {{ customer.name }}, see {{ article.vss-writer-timeout }}",
                internal_note="{{ ticket.owner }}",
            ),
        )

        content = response.content.decode()
        assert response.status_code == 200
        assert "Unknown placeholder: {{ customer.name }}" in content
        assert "Unknown placeholder: {{ ticket.owner }}" in content
        assert not Macro.objects.exists()

    def test_an_article_placeholder_needs_a_published_article(self, client, lead):
        client.force_login(lead)

        response = client.post(MACRO_ADD, macro_form(body="See {{ article.no-such-article }}"))

        assert "No published help-centre article has the slug “no-such-article”" in (
            response.content.decode()
        )
        assert not Macro.objects.exists()

    def test_a_lead_does_not_see_an_engineers_personal_macros(self, client, lead, engineer_user):
        make_macro(title="Eve's macro", owner=engineer_user)
        client.force_login(lead)

        content = client.get(MACROS).content.decode()

        assert "Eve&#x27;s macro" not in content
