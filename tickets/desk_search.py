"""The support queue's search in the conversation: tickets whose messages contain the words.

Staff see every message of a ticket (customer messages, replies, internal notes, calls), so all
of them are searched. On PostgreSQL the words are a web-style full-text query (quotes for a
phrase, ``-`` to leave a word out, ``or``) in the ``simple`` configuration, since tickets are
written in English and German alike; a GIN index on the messages' text answers it. The embedded
SQLite database looks for each word as a case-insensitive part of one message's text.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connections
from django.db.models import Exists, OuterRef, QuerySet

from tickets.models import Message, Ticket

# The text search configuration of the messages' index (migration 0014): words as written,
# no stemming.
SEARCH_CONFIG = "simple"


def _on_postgres(queryset: QuerySet) -> bool:
    return connections[queryset.db].vendor == "postgresql"


def messages_matching(term: str, *, postgres: bool) -> QuerySet[Message]:
    """The messages whose text contains the words of ``term``."""
    messages = Message.objects.all()
    if postgres:
        return messages.annotate(search=SearchVector("body", config=SEARCH_CONFIG)).filter(
            search=SearchQuery(term, search_type="websearch", config=SEARCH_CONFIG)
        )
    for word in term.split():
        messages = messages.filter(body__icontains=word.strip("\"'"))
    return messages


def with_matching_messages(queryset: QuerySet[Ticket], term: str) -> QuerySet[Ticket]:
    """The tickets of ``queryset`` with at least one message containing the words of ``term``.

    One ``EXISTS`` condition in the queue's own query: no extra query, whatever the page size.
    """
    term = term.strip()
    if not term:
        return queryset.none()
    messages = messages_matching(term, postgres=_on_postgres(queryset))
    return queryset.filter(Exists(messages.filter(ticket=OuterRef("pk"))))
