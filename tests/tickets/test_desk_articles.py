"""Help-centre articles on the support desk: linking one in a reply, and "solved by article"."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse

from knowledge.models import Article, ArticleLanguage, ArticleState
from portal.core.errors import ApplicationError
from portal.core.models import OutboundEmail
from tests.factories import StaffFactory
from tests.tickets.test_admin_triage import allow, desk_url, events, messages_of, page_url, triage
from tickets import services
from tickets.models import Message, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_monday")]

CHANGELIST = "/admin/tickets/ticket/"


def article_url(article: Article) -> str:
    return settings.SITE_URL + reverse("knowledge:article", args=[article.slug])


def options(content: str, name: str) -> list[tuple[str, str]]:
    """The (value, label) pairs of the select named ``name`` on the page."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', content, flags=re.S)
    assert select, name
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1))


# --- Fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def make_article(db):
    def make(title: str, **fields) -> Article:
        fields.setdefault("slug", title.lower().replace(" ", "-"))
        fields.setdefault("category", "troubleshooting")
        fields.setdefault("state", ArticleState.PUBLISHED)
        return Article.objects.create(title=title, **fields)

    return make


@pytest.fixture
def article(make_article) -> Article:
    return make_article("Fix error 0x80070005 in backup jobs")


@pytest.fixture
def draft(make_article) -> Article:
    return make_article("Unreviewed workaround", state=ArticleState.DRAFT)


@pytest.fixture
def engineer_client(client, us_engineer):
    triage(us_engineer)
    client.force_login(us_engineer)
    return client


# --- Linking an article in a reply ------------------------------------------------------------


class TestReplyWithArticle:
    def test_the_link_ends_the_reply_and_the_mail(
        self, engineer_client, open_ticket, article, us_engineer
    ):
        response = engineer_client.post(
            desk_url(open_ticket, "reply"),
            {"reply-body": "This article walks you through it.", "reply-article": article.pk},
            follow=True,
        )

        link = f"{article.title}: {article_url(article)}"
        reply = Message.objects.get(ticket=open_ticket, kind=Message.Kind.ENGINEER)
        assert reply.body == f"This article walks you through it.\n\n{link}"
        mail = OutboundEmail.objects.get(tag="ticket_reply", to="paula@example.com")
        assert link in mail.body_text
        assert events(open_ticket, "replied").get().actor == us_engineer
        assert any("Solved by article" in text for text in messages_of(response))

    def test_an_empty_body_with_an_article_sends_the_link_alone(
        self, engineer_client, open_ticket, article
    ):
        engineer_client.post(
            desk_url(open_ticket, "reply"), {"reply-body": "  ", "reply-article": article.pk}
        )

        reply = Message.objects.get(ticket=open_ticket, kind=Message.Kind.ENGINEER)
        assert reply.body == f"{article.title}: {article_url(article)}"
        assert OutboundEmail.objects.filter(tag="ticket_reply").count() == 1

    def test_an_empty_body_without_an_article_is_still_refused(
        self, engineer_client, open_ticket, article
    ):
        response = engineer_client.post(
            desk_url(open_ticket, "reply"), {"reply-body": "", "reply-article": ""}, follow=True
        )

        assert any("required" in text for text in messages_of(response))
        assert not Message.objects.filter(kind=Message.Kind.ENGINEER).exists()

    def test_linking_an_article_does_not_mark_the_ticket_solved(
        self, engineer_client, open_ticket, article
    ):
        engineer_client.post(
            desk_url(open_ticket, "reply"), {"reply-body": "See", "reply-article": article.pk}
        )

        open_ticket.refresh_from_db()
        assert open_ticket.solved_by is None
        assert not events(open_ticket, "solved_by_article").exists()

    def test_the_choice_offers_published_articles_by_title_with_their_language(
        self, engineer_client, open_ticket, make_article, draft
    ):
        second = make_article("Restore a single file", language=ArticleLanguage.GERMAN)
        first = make_article("Activate a licence offline")
        make_article("Old release notes", state=ArticleState.ARCHIVED)

        content = engineer_client.get(page_url(open_ticket)).content.decode()

        assert options(content, "reply-article") == [
            ("", "(no article)"),
            (str(first.pk), "Activate a licence offline (English)"),
            (str(second.pk), "Restore a single file (German)"),
        ]
        assert [value for value, _label in options(content, "solved_by-article")] == [
            "",
            str(first.pk),
            str(second.pk),
        ]

    def test_a_draft_article_is_refused_and_the_text_kept(
        self, engineer_client, open_ticket, draft
    ):
        response = engineer_client.post(
            desk_url(open_ticket, "reply"),
            {"reply-body": "Try this workaround.", "reply-article": draft.pk},
            follow=True,
        )

        assert any(
            "Link a help-centre article" in text and "valid choice" in text
            for text in messages_of(response)
        )
        assert "Try this workaround.</textarea>" in response.content.decode()
        assert not Message.objects.filter(kind=Message.Kind.ENGINEER).exists()
        assert not OutboundEmail.objects.filter(tag="ticket_reply").exists()

    def test_the_service_refuses_an_article_unpublished_since_the_form(
        self, open_ticket, article, us_engineer
    ):
        Article.objects.filter(pk=article.pk).update(state=ArticleState.ARCHIVED)

        with pytest.raises(ApplicationError, match="not published"):
            services.ticket_reply(
                ticket=open_ticket,
                engineer=us_engineer,
                body="See this.",
                awaits_customer=False,
                article=article,
            )
        assert not Message.objects.filter(kind=Message.Kind.ENGINEER).exists()


# --- Solved by article ------------------------------------------------------------------------


class TestSolvedBy:
    def test_the_step_sets_the_article_and_writes_the_event(
        self, engineer_client, open_ticket, article, us_engineer
    ):
        response = engineer_client.post(
            desk_url(open_ticket, "solved-by"), {"solved_by-article": article.pk}, follow=True
        )

        open_ticket.refresh_from_db()
        assert open_ticket.solved_by == article
        event = events(open_ticket, "solved_by_article").get()
        assert event.actor == us_engineer and event.detail == article.title
        assert any("marked as solved by" in text for text in messages_of(response))
        content = response.content.decode()
        assert f'href="{article_url(article)}"' in content
        assert f'<option value="{article.pk}" selected>' in content

    def test_clearing_removes_the_article(self, engineer_client, open_ticket, article, us_engineer):
        services.ticket_solved_by_set(ticket=open_ticket, article=article, actor=us_engineer)

        engineer_client.post(desk_url(open_ticket, "solved-by"), {"solved_by-article": ""})

        open_ticket.refresh_from_db()
        assert open_ticket.solved_by is None
        assert [e.detail for e in events(open_ticket, "solved_by_article")] == [
            article.title,
            "cleared",
        ]

    def test_setting_the_same_article_again_writes_nothing(self, open_ticket, article, us_engineer):
        services.ticket_solved_by_set(ticket=open_ticket, article=article, actor=us_engineer)
        services.ticket_solved_by_set(ticket=open_ticket, article=article, actor=us_engineer)

        assert events(open_ticket, "solved_by_article").count() == 1

    def test_a_draft_article_is_refused(self, engineer_client, open_ticket, draft):
        response = engineer_client.post(
            desk_url(open_ticket, "solved-by"), {"solved_by-article": draft.pk}, follow=True
        )

        assert any(message.level_tag == "error" for message in response.context["messages"])
        open_ticket.refresh_from_db()
        assert open_ticket.solved_by is None
        assert not events(open_ticket, "solved_by_article").exists()

    def test_the_service_refuses_a_draft(self, open_ticket, draft, us_engineer):
        with pytest.raises(ApplicationError, match="not published"):
            services.ticket_solved_by_set(ticket=open_ticket, article=draft, actor=us_engineer)

    def test_a_closed_request_can_still_be_marked(
        self, engineer_client, open_ticket, article, us_engineer
    ):
        services.ticket_resolve(ticket=open_ticket, engineer=us_engineer, note="")

        engineer_client.post(desk_url(open_ticket, "solved-by"), {"solved_by-article": article.pk})

        open_ticket.refresh_from_db()
        assert open_ticket.solved_by == article

    def test_a_customer_cannot_do_it(self, client, open_ticket, article, premium_customer):
        client.force_login(premium_customer)

        response = client.post(
            desk_url(open_ticket, "solved-by"), {"solved_by-article": article.pk}
        )

        assert response.status_code == 302 and "/login/" in response["Location"]
        open_ticket.refresh_from_db()
        assert open_ticket.solved_by is None

    def test_staff_who_may_only_view_cannot_do_it(self, client, open_ticket, article):
        client.force_login(allow(StaffFactory(email="sales@novadesk.test"), "view_ticket"))

        page = client.get(page_url(open_ticket))
        response = client.post(
            desk_url(open_ticket, "solved-by"), {"solved_by-article": article.pk}
        )

        assert "desk/solved-by/" not in page.content.decode()
        assert response.status_code == 403
        open_ticket.refresh_from_db()
        assert open_ticket.solved_by is None

    def test_the_service_refuses_a_non_staff_actor(self, open_ticket, article, premium_customer):
        with pytest.raises(ApplicationError):
            services.ticket_solved_by_set(
                ticket=open_ticket, article=article, actor=premium_customer
            )
        assert not events(open_ticket, "solved_by_article").exists()

    def test_the_queue_filters_by_solved_by(
        self, engineer_client, open_ticket, article, us_engineer, premium_customer
    ):
        other = services.ticket_create(
            customer=premium_customer,
            product="professional",
            version="21.2",
            category="technical",
            subject="Licence key not accepted",
            description="The key is refused.",
        ).ticket
        services.ticket_solved_by_set(ticket=open_ticket, article=article, actor=us_engineer)
        Ticket.objects.update(assignee=us_engineer)

        solved = engineer_client.get(CHANGELIST + "?assigned=all&solved_by=yes").content.decode()
        unsolved = engineer_client.get(CHANGELIST + "?assigned=all&solved_by=no").content.decode()

        assert open_ticket.ticket_id in solved and other.ticket_id not in solved
        assert other.ticket_id in unsolved and open_ticket.ticket_id not in unsolved
