"""The plan of a large population: who the customers are, what they hold, when they ask.

Pure Python over what the writer read from the database (primary keys of products, offerings
and teams, the engineers, the first free key of each table): it decides every row and keeps it
keyed by field name in ``rows``, and the writer stores them. The same seed gives the same plan.
"""

from __future__ import annotations

import bisect
import random
import time
from datetime import UTC, datetime

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import models

from entitlements.models import Entitlement, EntitlementEvent, Registration, SupportKind
from portal.accounts.models import SupportTeam
from portal.accounts.selectors import support_team_for
from tickets.models import Resolution, Status
from tickets.scale import vocabulary as v
from tickets.scale.base import (
    LOADED_MODELS,
    Catalogue,
    Customer,
    Keys,
    Row,
    Term,
    TicketPlan,
    WaitingPeriod,
    ts,
)
from tickets.scale.vocabulary import DAY, HISTORY_DAYS, HOUR, MINUTE


def engineer_accounts(rng: random.Random, per_team: int) -> list[Row]:
    """The engineers of both teams: e-mail address, name, team, country and language."""
    accounts = []
    for team, country, language in v.ENGINEER_TEAMS:
        for n in range(1, per_team + 1):
            accounts.append(
                {
                    "email": f"engineer.{team}.{n}@{v.ENGINEER_DOMAIN}",
                    "name": f"{rng.choice(v.FIRST_NAMES)} {rng.choice(v.LAST_NAMES)}",
                    "team": team,
                    "country": country,
                    "language": language,
                }
            )
    return accounts


def release_versions() -> list[tuple[float, str]]:
    """The release history as (released, version), oldest first."""
    return sorted(
        (datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp(), version)
        for version, d in v.RELEASE_HISTORY
    )


class Planner:
    """Decides the customers, their entitlements and the first pass over every ticket."""

    def __init__(
        self,
        *,
        rng: random.Random,
        seed: int,
        now: float,
        password: str,
        catalogue: Catalogue,
        first_keys: dict[type[models.Model], int],
    ) -> None:
        self.rng = rng
        self.seed = seed
        self.now = now
        self.password = password
        self.catalogue = catalogue
        self.waiting = WaitingPeriod.from_settings()
        trial_days = catalogue.offerings[SupportKind.FREE_TRIAL].term_days
        if trial_days is None:
            raise ValueError("The Free Trial offering needs a term in days")
        self.trial_term = trial_days * DAY
        self.keys = {model: Keys(first_keys[model]) for model in LOADED_MODELS}
        self.rows: dict[type[models.Model], list[Row]] = {model: [] for model in LOADED_MODELS}

    # --- Customers --------------------------------------------------------------------------

    def customers(self, count: int) -> list[Customer]:
        """Customers of both teams, each with a verified address; the first few buy plans."""
        rng = self.rng
        countries = [c for c, _w in v.COUNTRIES]
        weights = [w for _c, w in v.COUNTRIES]
        heavy = max(1, count // 50)
        users, emails = self.rows[get_user_model()], self.rows[EmailAddress]
        user_keys, email_keys = self.keys[get_user_model()], self.keys[EmailAddress]
        population = []
        for index in range(count):
            pk = user_keys.take()
            country = rng.choices(countries, weights)[0]
            german = country in v.GERMAN_SPEAKING and rng.random() < 0.9
            language = v.GERMAN if german else v.ENGLISH
            team = str(support_team_for(country=country, language=language))
            profile = self._profile(heavy=index < heavy)
            product = self._product(profile)
            first, last = rng.choice(v.FIRST_NAMES), rng.choice(v.LAST_NAMES)
            email = f"{first}.{last}.{pk}@{v.EMAIL_DOMAIN}".lower()
            joined = self.now - (HISTORY_DAYS + 400) * DAY * rng.random()
            users.append(
                {
                    "id": pk,
                    "password": self.password,
                    "last_login": ts(self.now - rng.random() * 90 * DAY),
                    "is_superuser": False,
                    "is_staff": False,
                    "is_active": True,
                    "date_joined": ts(joined),
                    "email": email,
                    "name": f"{first} {last}",
                    "language": language,
                    "country": country,
                    "phone": "",
                    "release_notifications": False,
                    "support_team_override": "",
                }
            )
            emails.append(
                {"id": email_keys.take(), "user_id": pk, "email": email, "verified": True,
                 "primary": True}
            )  # fmt: skip
            population.append(Customer(pk, team, language, profile, product, email))
        return population

    def _profile(self, *, heavy: bool) -> str:
        """What a customer bought; the busiest customers hold a plan."""
        rng = self.rng
        if heavy:
            return SupportKind.PREMIUM if rng.random() < 0.8 else SupportKind.XSP
        return rng.choices(*v.PROFILES)[0]

    def _product(self, profile: str) -> str:
        rng = self.rng
        if profile == SupportKind.PREMIUM:
            return rng.choices(*v.PREMIUM_PRODUCTS)[0]
        if profile == SupportKind.XSP:
            return v.XSP_PRODUCT
        if profile == SupportKind.PER_INCIDENT:
            return rng.choices(*v.PER_INCIDENT_PRODUCTS)[0]
        return rng.choices(*v.TRIAL_PRODUCTS)[0]

    def registration(self, customer: Customer, at: float, kind: str) -> int:
        """A licence or evaluation of the customer's product, registered at ``at``."""
        pk = self.keys[Registration].take()
        code = customer.product
        self.rows[Registration].append(
            {
                "id": pk,
                "customer_id": customer.pk,
                "product_id": self.catalogue.products[code],
                "kind": kind,
                "key": v.LICENCE_KEY.format(code=code[:3].upper(), seed=self.seed, pk=pk),
                "version": self.version(at),
                "purchased_on": ts(at).date() if kind == Registration.Kind.LICENCE else None,
                "registered_at": ts(at),
            }
        )
        return pk

    def entitlement(
        self,
        customer: Customer,
        kind: str,
        *,
        product: str | None = None,
        starts: float,
        ends: float | None = None,
        uses: int | None = None,
        left: int | None = None,
        registration: int | None = None,
    ) -> Row:
        """An entitlement granted at ``starts``, with its ``granted`` event; returns its row."""
        pk = self.keys[Entitlement].take()
        if registration:
            source = v.REGISTRATION_SOURCE
        else:
            source = v.ORDER_REFERENCE.format(seed=self.seed, pk=pk)
        row = {
            "id": pk,
            "customer_id": customer.pk,
            "product_id": self.catalogue.products[product or customer.product],
            "offering_id": self.catalogue.offerings[kind].pk,
            "kind": kind,
            "starts_at": ts(starts),
            "ends_at": ts(ends) if ends else None,
            "uses_total": uses,
            "uses_left": left,
            "source": source,
            "order_item_id": None,
            "registration_id": registration,
            "revoked_at": None,
            "revoke_reason": "",
            "created_at": ts(starts),
        }
        self.rows[Entitlement].append(row)
        self.entitlement_event(pk, EntitlementEvent.Action.GRANTED, at=starts, reference=source)
        return row

    def entitlement_event(
        self,
        entitlement: int,
        action: str,
        *,
        at: float,
        actor: int | None = None,
        reference: str,
        reason: str = "",
    ) -> None:
        """A change of an entitlement: granted, used by a ticket, given back."""
        self.rows[EntitlementEvent].append(
            {
                "id": self.keys[EntitlementEvent].take(),
                "entitlement_id": entitlement,
                "at": ts(at),
                "actor_id": actor,
                "action": action,
                "reference": reference,
                "reason": reason,
            }
        )

    def _customer_entitlements(self, customer: Customer, first_ticket: float | None) -> None:
        """Plans renewed year after year, a Free Trial window, or credits bought on the way."""
        rng = self.rng
        now = self.now
        if customer.profile in v.PLAN_KINDS:
            licensed = now - (HISTORY_DAYS + 300 * rng.random()) * DAY
            self.registration(customer, licensed, Registration.Kind.LICENCE)
            start = now - (HISTORY_DAYS + 1 + 365 * rng.random()) * DAY
            while start < now:
                end = start + 365 * DAY
                row = self.entitlement(customer, customer.profile, starts=start, ends=end)
                customer.plan.append(Term(row["id"], start, end))
                start = end
            if rng.random() < 0.05:
                start = now - 365 * DAY * rng.random()
                self.entitlement(customer, SupportKind.UPGRADE_PROTECTION, starts=start,
                                 ends=start + 365 * DAY)  # fmt: skip
        elif customer.profile == SupportKind.FREE_TRIAL:
            start = (first_ticket if first_ticket is not None else now - HISTORY_DAYS * DAY
                     * rng.random()) - 5 * DAY * rng.random()  # fmt: skip
            registration = self.registration(customer, start, Registration.Kind.EVALUATION)
            end = start + self.trial_term
            row = self.entitlement(customer, SupportKind.FREE_TRIAL, starts=start, ends=end,
                                   registration=registration)  # fmt: skip
            customer.trial = Term(row["id"], start, end)
        else:
            licensed = now - HISTORY_DAYS * DAY * rng.random()
            self.registration(customer, licensed, Registration.Kind.LICENCE)
            roll = rng.random()
            if roll < 0.30:  # an unused credit bought recently
                self.entitlement(customer, SupportKind.PER_INCIDENT,
                                 starts=now - 200 * DAY * rng.random(), uses=1, left=1)  # fmt: skip
            elif roll < 0.35:  # a three-pack, partly used
                self.entitlement(customer, SupportKind.PER_INCIDENT,
                                 starts=now - 200 * DAY * rng.random(), uses=3,
                                 left=rng.randint(1, 3))  # fmt: skip
            elif roll < 0.45:
                kind = SupportKind.SETUP if roll < 0.40 else SupportKind.RESTORE
                start = now - 300 * DAY * rng.random()
                self.entitlement(customer, kind, starts=start, ends=start + 365 * DAY,
                                 uses=1, left=1)  # fmt: skip

    def version(self, at: float) -> str:
        """A version released before ``at``: mostly the newest, sometimes one or two older."""
        versions = self.catalogue.versions
        released = bisect.bisect_right(versions, (at, "~"))
        candidates = [version for _released, version in versions[max(0, released - 3) :]]
        candidates = candidates[: max(1, min(3, released))]
        if released == 0:
            return versions[0][1]
        newest_first = candidates[::-1]
        return self.rng.choices(newest_first, (60, 30, 10)[: len(newest_first)])[0]

    # --- First pass: who, when, which state --------------------------------------------------

    def tickets(
        self, count: int, population: list[Customer], per_ticket: float
    ) -> list[TicketPlan]:
        """Every ticket's customer, creation time and state, oldest first; entitlements too."""
        rng = self.rng
        size = len(population)
        by_team: dict[str, list[int]] = {team: [] for team in SupportTeam}
        for index, customer in enumerate(population):
            by_team[customer.team].append(index)
        plans = []
        for _ in range(count):
            picked = min(size - 1, int(size * rng.random() ** 2.2))
            plans.append(TicketPlan(created=self._created_at(population[picked].team),
                                    customer=picked, status=""))  # fmt: skip
        plans.sort(key=lambda p: p.created)
        # The most recent tickets cover every state in both teams.
        guaranteed = v.GUARANTEED[: len(plans)]
        for offset, (status, team) in enumerate(guaranteed):
            plan = plans[len(plans) - len(guaranteed) + offset]
            if by_team[team]:
                plan.customer = by_team[team][offset % len(by_team[team])]
            plan.status = status
        first_ticket: dict[int, float] = {}
        for plan in plans:
            first_ticket.setdefault(plan.customer, plan.created)
        for index, customer in enumerate(population):
            self._customer_entitlements(customer, first_ticket.get(index))

        for plan in plans:
            self._decide(plan)
        self._spread_messages(plans, per_ticket)
        return plans

    def _created_at(self, team: str) -> float:
        """More tickets lately, on weekdays, in the team's business hours."""
        rng = self.rng
        day = int(HISTORY_DAYS * rng.random() ** 1.25)
        midnight = (self.now // DAY - day) * DAY
        weekday = time.gmtime(midnight).tm_wday
        if weekday >= 5 and rng.random() < 0.75:
            midnight -= (weekday - 4) * DAY
        local_hour = rng.choice(v.LOCAL_HOURS)
        created = midnight + (local_hour - v.TEAM_UTC_OFFSET[team]) * HOUR + rng.random() * HOUR
        if created > self.now - 10 * MINUTE:
            created = self.now - rng.random() * 6 * HOUR - 10 * MINUTE
        return created

    def _decide(self, plan: TicketPlan) -> None:
        """The state a ticket of this age is in, and what led there."""
        rng = self.rng
        age = self.now - plan.created
        if not plan.status:
            weights: tuple[float, ...]
            if age < 2 * DAY:
                weights = (30, 35, 15, 20)
            elif age < 14 * DAY:
                weights = (2, 28, 25, 45)
            elif age < 45 * DAY:
                weights = (0, 7, 6, 87)
            else:
                weights = (0, 0.4, 0, 99.6)
            plan.status = rng.choices(
                (Status.NEW, Status.OPEN, Status.WAITING, Status.CLOSED), weights
            )[0]
        if plan.status == Status.OPEN:
            plan.responded = age > 2 * HOUR and rng.random() < 0.7
        elif plan.status == Status.WAITING:
            # Every attempt after the first comes a reminder interval later: old enough?
            most = 1 + max(0, int((age - HOUR) // self.waiting.interval))
            wanted = rng.choices((1, 2, 3), (50, 30, 20))[0]
            plan.attempts = max(1, min(wanted, most, self.waiting.attempts))
            plan.proposal = rng.random() < 0.05
        elif plan.status == Status.CLOSED:
            resolution = rng.choices(
                (
                    Resolution.RESOLVED,
                    Resolution.CUSTOMER_CLOSED,
                    Resolution.AUTO_CLOSED,
                    Resolution.CANNOT_RESOLVE,
                    Resolution.CANCELLED,
                ),
                (70, 12, 12, 3, 3),
            )[0]
            too_young = age < self.waiting.window + DAY
            if resolution == Resolution.AUTO_CLOSED and too_young:
                resolution = Resolution.RESOLVED
            plan.resolution = resolution
            auto_closed = resolution == Resolution.AUTO_CLOSED
            plan.attempts = self.waiting.attempts if auto_closed else 0
            plan.responded = (
                resolution not in (Resolution.CANCELLED, Resolution.CUSTOMER_CLOSED)
                or rng.random() < 0.6
            )
            if resolution == Resolution.CANCELLED:
                plan.responded = False

    @staticmethod
    def _minimum(plan: TicketPlan) -> int:
        """Messages the state needs: the description, then what led to the state."""
        if plan.status == Status.WAITING:
            return 1 + plan.attempts
        if plan.status == Status.CLOSED:
            if plan.resolution == Resolution.AUTO_CLOSED:
                return 1 + plan.attempts
            answered = plan.resolution in (Resolution.RESOLVED, Resolution.CANNOT_RESOLVE)
            return 2 if answered else 1
        if plan.status == Status.OPEN and plan.responded:
            return 2
        return 1

    def _spread_messages(self, plans: list[TicketPlan], per_ticket: float) -> None:
        """Hand out the messages beyond each state's minimum, so the total hits the average."""
        target = round(len(plans) * per_ticket)
        extra = target - sum(self._minimum(p) for p in plans)
        if extra <= 0:
            return
        cumulative = []
        total = 0.0
        for plan in plans:
            if plan.resolution == Resolution.CANCELLED:
                weight = 0.0
            elif plan.status == Status.NEW:
                weight = 0.05
            elif plan.status == Status.OPEN and not plan.responded:
                weight = 0.3
            else:
                weight = 1.0
            total += weight
            cumulative.append(total)
        for index in self.rng.choices(range(len(plans)), cum_weights=cumulative, k=extra):
            plans[index].extra += 1
