"""The ticket pages run.py puts under load: who signs in, which pages, their SQL query counts.

From a database filled by ``manage.py seed_scale``: the busiest customer with a Premium plan, a
customer with a single ticket, a support engineer, their sessions, an API token and private
links, and for each page the SQL queries of a small and a big case.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass, field
from datetime import timedelta

from harness import fail


@dataclass
class Target:
    """One page (or API call) under load."""

    key: str
    label: str
    path: str
    budget: int | None  # requests/s; None: a reference figure only
    fixed_queries: bool  # the budget asks for a fixed SQL query count
    cookie: str = ""
    method: str = "GET"
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    expect: int = 200
    queries: list[int] = field(default_factory=list)  # one per sample page, e.g. small and big
    render_ms: float | None = None  # one request in this process, no other load from us
    sql_ms: float | None = None
    note: str = ""


def _people():
    """The busy customer with a Premium plan today, a quiet customer, a support engineer."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from entitlements.models import Entitlement, SupportKind
    from tickets.models import Ticket

    User = get_user_model()
    # The customer with the most tickets who holds a Premium plan today.
    customer = premium = None
    busiest = (
        Ticket.objects.values("customer").annotate(n=Count("pk")).order_by("-n", "customer")[:50]
    )
    for row in busiest:
        premium = (
            Entitlement.objects.active()
            .filter(customer_id=row["customer"], kind=SupportKind.PREMIUM)
            .select_related("product")
            .first()
        )
        if premium is not None:
            customer = User.objects.get(pk=row["customer"])
            break
    if customer is None:
        fail("no busy customer with an active Premium plan: was the database seeded?")
    quiet = (
        Ticket.objects.values("customer").annotate(n=Count("pk")).filter(n=1).order_by("customer")
    ).first()
    quiet = quiet or list(busiest)[-1]
    light = User.objects.get(pk=quiet["customer"])
    engineer = next(
        (
            user
            for user in User.objects.filter(
                is_staff=True, is_active=True, engineer__isnull=False
            ).order_by("pk")[:20]
            if user.has_perm("tickets.view_ticket")
        ),
        None,
    )
    if engineer is None:
        fail("no support engineer may view tickets in the admin: seed with seed_scale first")
    return customer, premium, light, engineer


def _tickets(customer, now):
    """The customer's typical ticket, and the shortest and longest in the same state."""
    from django.conf import settings
    from django.db.models import Count, Q

    from tickets.models import Ticket

    # Tickets whose private links still work (not closed long ago), the typical one and the one
    # with the longest conversation, to see whether the query count depends on the size.
    linkable = Ticket.objects.filter(customer=customer).filter(
        Q(closed_at__isnull=True)
        | Q(closed_at__gt=now - timedelta(days=settings.TICKET_LINK_DAYS_AFTER_CLOSE - 1))
    )
    counted = linkable.annotate(n=Count("messages")).order_by("-last_activity_at", "-pk")
    typical = counted.filter(n__gte=3).first() or counted.first()
    if typical is None:
        fail("the busy customer has no recent ticket to open: seed a larger database")
    # Small and big in the same state: an open ticket's page shows more than a closed one's.
    same_state = counted.filter(status=typical.status)
    longest = same_state.order_by("-n", "-pk").first()
    shortest = same_state.order_by("n", "-pk").first()
    return typical, shortest, longest


def _submission(customer, premium, now) -> dict:
    """A request the customer may open: the product of the plan, its newest release."""
    from entitlements import services as entitlement_services
    from entitlements.models import Release

    release = (
        Release.objects.filter(product=premium.product, released_on__lte=now.date())
        .order_by("-major", "-minor", "-patch")
        .first()
    )
    payload = {
        "product": premium.product.code,
        "version": release.version,
        "category": "technical",
        "subject": "Benchmark: backup job fails with error 0x80070005",
        "description": "The nightly job fails since the update. Log excerpt: access denied.",
    }
    decision = entitlement_services.check(
        customer=customer, product=premium.product, version=release.version, category="technical"
    )
    if not decision.allowed:
        fail(f"the benchmark customer may not open a request: {decision.reason}")
    return payload


def _signed_in(user):
    """A test client with ``user`` signed in, and its session key."""
    from django.conf import settings
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client, client.cookies[settings.SESSION_COOKIE_NAME].value


def resolve(client, path: str) -> str:
    """The address a page ends up at: the admin sends an engineer's bare queue to a filter."""
    from urllib.parse import urljoin

    for _hop in range(3):
        response = client.get(path)
        if response.status_code not in (301, 302):
            break
        location = urljoin(path, response["Location"])
        if "login" in location:
            fail(f"{path} sends the engineer to the sign-in page: no admin access")
        path = location
    if response.status_code != 200:
        fail(f"{path} answered {response.status_code} in the test client")
    return path


def measure(client, path: str, **extra) -> tuple[int, float, float]:
    """Queries of one request, and its median time and SQL time over three, in ms."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    method = extra.pop("method", "get")
    call = getattr(client, method)
    call(path, **extra)
    expected = 201 if method == "post" else 200
    runs = []
    for _run in range(3):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = call(path, **extra)
            elapsed = time.perf_counter() - started
        if response.status_code != expected:
            fail(f"{path} answered {response.status_code} in the test client")
        sql = sum(float(query["time"]) for query in captured.captured_queries)
        runs.append((len(captured), elapsed * 1000, sql * 1000))
    return (
        runs[-1][0],
        statistics.median(r[1] for r in runs),
        statistics.median(r[2] for r in runs),
    )


def _targets(pages: dict, payload: dict, api_key: str) -> list[Target]:
    """The pages under load, with their budgets and the credentials wrk sends."""
    customer, staff = pages["customer_cookie"], pages["staff_cookie"]
    ticket, token = pages["typical"], pages["token_typical"]
    return [
        Target("static", "static file, WhiteNoise (no view)", pages["static"], None, False),
        Target("home", "home page (baseline, anonymous)", "/", None, False),
        Target("healthz", "/healthz (DB, broker, outbox)", "/healthz", None, False),
        Target("list", 'customer "My requests"', "/tickets/", 1000, True, cookie=customer),
        Target(
            "ticket",
            "customer ticket page",
            f"/tickets/{ticket.ticket_id}/",
            1000,
            True,
            cookie=customer,
        ),
        Target("link", "private-link page", f"/t/{token}/", 1000, True),
        Target(
            "queue",
            "staff queue, all requests (50 rows)",
            pages["queue_all"],
            300,
            True,
            cookie=staff,
        ),
        Target(
            "mine", "staff queue, my open requests", pages["queue_mine"], 300, True, cookie=staff
        ),
        Target(
            "admin",
            "admin ticket page",
            f"/admin/tickets/ticket/{ticket.pk}/change/",
            300,
            True,
            cookie=staff,
        ),
        Target(
            "submit",
            "ticket submission (API)",
            "/api/v1/tickets/",
            300,
            False,
            method="POST",
            body=json.dumps(payload),
            headers={"Content-Type": "application/json", "Authorization": f"Token {api_key}"},
            expect=201,
        ),
    ]


def _samples(pages: dict) -> tuple[dict, dict]:
    """Per page, the small and big cases whose queries are counted, and the page's own client."""
    anonymous, customer, staff = pages["anonymous"], pages["customer"], pages["staff"]
    shortest, longest, queue_all = pages["shortest"], pages["longest"], pages["queue_all"]
    samples = {
        "static": [(anonymous, pages["static"])],
        "home": [(anonymous, "/")],
        "healthz": [(anonymous, "/healthz")],
        "list": [(pages["light"], "/tickets/"), (customer, "/tickets/")],
        "ticket": [
            (customer, f"/tickets/{shortest.ticket_id}/"),
            (customer, f"/tickets/{longest.ticket_id}/"),
        ],
        "link": [
            (anonymous, f"/t/{pages['token_shortest']}/"),
            (anonymous, f"/t/{pages['token_longest']}/"),
        ],
        "queue": [
            (staff, queue_all),
            (staff, queue_all + ("&" if "?" in queue_all else "?") + "p=40"),
        ],
        "mine": [(staff, pages["queue_mine"])],
        "admin": [
            (staff, f"/admin/tickets/ticket/{shortest.pk}/change/"),
            (staff, f"/admin/tickets/ticket/{longest.pk}/change/"),
        ],
    }
    own_client = {
        "static": anonymous,
        "home": anonymous,
        "healthz": anonymous,
        "list": customer,
        "ticket": customer,
        "link": anonymous,
        "queue": staff,
        "mine": staff,
        "admin": staff,
    }
    return samples, own_client


def _count_queries(targets: list[Target], pages: dict, payload: dict, api_key: str) -> None:
    """SQL queries per request: each page rendered for a small and a big case, after one
    warm-up render (caches such as content types fill on the first request of a process)."""
    from django.test import Client

    samples, own_client = _samples(pages)
    for target in targets:
        if target.key == "submit":
            extra = {
                "method": "post",
                "data": payload,
                "content_type": "application/json",
                "HTTP_AUTHORIZATION": f"Token {api_key}",
            }
            queries, target.render_ms, target.sql_ms = measure(
                Client(HTTP_HOST="127.0.0.1"), target.path, **extra
            )
            target.queries = [queries]
            continue
        target.queries = [measure(client, path)[0] for client, path in samples[target.key]]
        _queries, target.render_ms, target.sql_ms = measure(own_client[target.key], target.path)


def prepare(port: int) -> tuple[list[Target], dict]:
    """Sessions, a token and private links for the pages, and each page's SQL query count."""
    from django.conf import settings
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.test import Client
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from tickets import links
    from tickets.models import Message, Ticket

    tickets = Ticket.objects.count()
    if tickets < 1000:
        fail(f"the database has {tickets} tickets: fill it first with `make seed-scale`")
    now = timezone.now()
    customer, premium, light, engineer = _people()
    typical, shortest, longest = _tickets(customer, now)
    pages = {"typical": typical, "shortest": shortest, "longest": longest}
    pages["token_typical"] = links.link_issue(ticket=typical)
    pages["token_longest"] = links.link_issue(ticket=longest)
    pages["token_shortest"] = links.link_issue(ticket=shortest)
    api_token, _created = Token.objects.get_or_create(user=customer)
    payload = _submission(customer, premium, now)

    pages["customer"], customer_session = _signed_in(customer)
    pages["light"], _light_session = _signed_in(light)
    pages["staff"], staff_session = _signed_in(engineer)
    pages["anonymous"] = Client(HTTP_HOST="127.0.0.1")
    pages["queue_mine"] = resolve(pages["staff"], "/admin/tickets/ticket/")
    queue_all = resolve(pages["staff"], "/admin/tickets/ticket/?assigned=all")
    if "e=1" in queue_all:  # an admin without that filter: the whole list is the default
        queue_all = "/admin/tickets/ticket/"
    pages["queue_all"] = queue_all
    pages["customer_cookie"] = f"{settings.SESSION_COOKIE_NAME}={customer_session}"
    pages["staff_cookie"] = f"{settings.SESSION_COOKIE_NAME}={staff_session}"
    pages["static"] = staticfiles_storage.url("css/site.css")

    targets = _targets(pages, payload, api_token.key)
    _count_queries(targets, pages, payload, api_token.key)
    context = {
        "tickets": tickets,
        "messages": Message.objects.count(),
        "customer": customer.email,
        "customer_tickets": Ticket.objects.filter(customer=customer).count(),
        "engineer": engineer.email,
        "ticket": f"{typical.ticket_id} ({typical.n} messages)",
        "query_samples": (
            f"small/big: list {light.email} vs the busy customer; ticket, link and admin page "
            f"({typical.status}) {shortest.ticket_id} ({shortest.n} messages) vs "
            f"{longest.ticket_id} ({longest.n} messages); queue page 1 vs page 40"
        ),
    }
    return targets, context
