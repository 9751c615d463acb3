"""Macros on the desk: their placeholders, which ones an engineer is offered, and sending one.

A macro's text may hold placeholders in double braces, filled in from the request when the
engineer previews it. They are replaced by a plain substitution over a fixed list of names
(never a template engine on what staff typed): an unknown name is refused when the macro is
saved, and anything that cannot be filled in stays as it was written, for the engineer to see
in the preview and replace.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from knowledge import selectors as knowledge_selectors
from portal.core.errors import ApplicationError
from tickets import display, services
from tickets.errors import ErrorCode
from tickets.models import Macro, Message, Ticket

if TYPE_CHECKING:
    from portal.accounts.models import User

# {{ name }}, with or without spaces inside the braces; the name is checked, not the shape.
PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
ARTICLE_PREFIX = "article."
SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def _first_name(user: User) -> str:
    return user.name.split()[0] if user.name.split() else ""


def _last_name(user: User) -> str:
    return " ".join(user.name.split()[1:])


def _due(ticket: Ticket) -> str:
    """The first-response due time in the team's time zone and the request's language."""
    with translation.override(ticket.language):
        moment = display.moment(ticket.first_response_due, ticket.team.time_zone)
    return moment.text if moment is not None else ""


# What each placeholder stands for, from the request and the engineer who answers it.
FIELDS: dict[str, Callable[[Ticket, User], str]] = {
    "customer.first_name": lambda ticket, engineer: _first_name(ticket.customer),
    "customer.last_name": lambda ticket, engineer: _last_name(ticket.customer),
    "ticket.id": lambda ticket, engineer: ticket.ticket_id,
    "ticket.subject": lambda ticket, engineer: ticket.subject,
    "ticket.product": lambda ticket, engineer: ticket.product.name,
    "ticket.due": lambda ticket, engineer: _due(ticket),
    "engineer.first_name": lambda ticket, engineer: _first_name(engineer),
}
PLACEHOLDER_NAMES: tuple[str, ...] = (*FIELDS, f"{ARTICLE_PREFIX}<slug>")


def placeholders_in(text: str) -> list[str]:
    """The placeholder names in ``text``, in order of appearance, each once."""
    return list(dict.fromkeys(PLACEHOLDER.findall(text or "")))


def _article_slug(name: str) -> str | None:
    """The slug of an article placeholder (``article.<slug>``), or None for any other name."""
    slug = name.removeprefix(ARTICLE_PREFIX)
    if name.startswith(ARTICLE_PREFIX) and SLUG.fullmatch(slug):
        return slug
    return None


def _article_urls(slugs: list[str]) -> dict[str, str]:
    """The public address of each published article among ``slugs`` (one query, none if none)."""
    if not slugs:
        return {}
    articles = knowledge_selectors.published_articles().filter(slug__in=slugs).only("slug")
    return {article.slug: services.article_public_url(article) for article in articles}


def placeholders_check(text: str) -> None:
    """Refuse a macro's text that names a placeholder nobody fills in, saying which."""
    names = placeholders_in(text)
    unknown = [name for name in names if name not in FIELDS and _article_slug(name) is None]
    if unknown:
        raise ValidationError(
            _("Unknown placeholder: %(names)s. Known placeholders: %(known)s.")
            % {
                "names": ", ".join(f"{{{{ {name} }}}}" for name in unknown),
                "known": ", ".join(f"{{{{ {name} }}}}" for name in PLACEHOLDER_NAMES),
            },
            code="unknown-placeholder",
        )
    slugs = [slug for name in names if (slug := _article_slug(name))]
    published = _article_urls(slugs)
    missing = [slug for slug in slugs if slug not in published]
    if missing:
        raise ValidationError(
            _("No published help-centre article has the slug %(slugs)s.")
            % {"slugs": ", ".join(f"“{slug}”" for slug in missing)},
            code="unknown-article",
        )


def text_render(text: str, *, ticket: Ticket, engineer: User) -> str:
    """``text`` with every placeholder that can be filled in replaced; the rest as written."""
    names = placeholders_in(text)
    slugs = [slug for name in names if (slug := _article_slug(name))]
    values: dict[str, str] = {
        f"{ARTICLE_PREFIX}{slug}": url for slug, url in _article_urls(slugs).items()
    }
    for name in names:
        if name in FIELDS:
            values[name] = FIELDS[name](ticket, engineer)

    def replace(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return value if value else match.group(0)

    return PLACEHOLDER.sub(replace, text or "")


def macro_render(*, macro: Macro, ticket: Ticket, engineer: User) -> str:
    """The macro's reply text for this request, as plain text."""
    return text_render(macro.body, ticket=ticket, engineer=engineer)


def unfilled(text: str) -> list[str]:
    """The placeholders still in a rendered text: what the engineer has to replace by hand."""
    return [f"{{{{ {name} }}}}" for name in placeholders_in(text)]


def macros_for(*, engineer: User, ticket: Ticket) -> list[Macro]:
    """The macros this engineer may answer this request with, by title (one query)."""
    return list(
        Macro.objects.usable(user=engineer, team_id=ticket.team_id, language=ticket.language)
        .select_related("team")
        .order_by("title", "pk")
    )


def _usable(*, macro: Macro, ticket: Ticket, engineer: User) -> Macro:
    """The macro as it is now, or why this engineer may not send it on this request."""
    current = (
        Macro.objects.visible_to(engineer)
        .filter(pk=macro.pk, is_active=True)
        .filter(Q(team__isnull=True) | Q(team_id=ticket.team_id))
        .first()
    )
    if current is None:
        raise ApplicationError(
            _("The macro “%(title)s” is not available to you on this request.")
            % {"title": macro.title},
            code=ErrorCode.MACRO_NOT_AVAILABLE,
        )
    if current.language != ticket.language:
        raise ApplicationError(
            _("The macro “%(title)s” is in %(macro)s; this request is in %(ticket)s.")
            % {
                "title": current.title,
                "macro": current.get_language_display(),
                "ticket": ticket.get_language_display(),
            },
            code=ErrorCode.MACRO_OTHER_LANGUAGE,
        )
    return current


@transaction.atomic
def macro_apply(
    *,
    ticket: Ticket,
    macro: Macro,
    engineer: User,
    body: str,
    files: Sequence[UploadedFile] = (),
) -> Message:
    """Send ``body`` (the macro's text as the engineer left it) and do what the macro adds.

    One transaction: the reply (waiting for the customer if the macro says so), the priority
    the macro sets and its internal note. A refusal of any of them leaves nothing behind.
    """
    macro = _usable(macro=macro, ticket=ticket, engineer=engineer)
    message = services.ticket_reply(
        ticket=ticket,
        engineer=engineer,
        body=body,
        awaits_customer=macro.awaits_customer,
        files=files,
    )
    answered = message.ticket  # as the reply left it
    if macro.priority is not None and answered.priority != macro.priority:
        services.ticket_set_priority(ticket=answered, priority=macro.priority, actor=engineer)
    if macro.internal_note.strip():
        services.ticket_note(
            ticket=answered,
            engineer=engineer,
            body=text_render(macro.internal_note, ticket=ticket, engineer=engineer),
        )
    return message
