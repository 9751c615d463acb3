"""The second pass of the plan: one ticket's request, conversation and the tail of its state.

Decides when support answered, when the customer wrote back, which contact attempts the
waiting period holds and how a closed ticket closed, the way the ticket services would have
seen it happen. Pure Python: the rows go to the planner's ``rows`` through the records.
"""

from __future__ import annotations

import time

from entitlements.models import Category, Channel, SupportKind
from tickets.models import Message, Resolution, Status, Ticket
from tickets.scale import vocabulary as v
from tickets.scale.base import (
    Customer,
    Draft,
    Engineer,
    Line,
    Row,
    TicketPlan,
    skip_weekend,
)
from tickets.scale.planner import Planner
from tickets.scale.records import TicketRecords
from tickets.scale.vocabulary import DAY, HOUR, MINUTE
from tickets.services import CALLBACK_HOURS, ticket_id_format

CUSTOMER, ENGINEER, NOTE = Message.Kind.CUSTOMER, Message.Kind.ENGINEER, Message.Kind.NOTE
CALL, SYSTEM = Message.Kind.CALL, Message.Kind.SYSTEM
ADMIN = Message.Via.ADMIN


class TicketBuilder:
    """Turns a ticket's plan into its rows: ticket, messages, attachments, events, links."""

    def __init__(self, planner: Planner) -> None:
        self.planner = planner
        self.rng = planner.rng
        self.now = planner.now
        self.catalogue = planner.catalogue
        self.keys = planner.keys
        self.waiting = planner.waiting
        self.records = TicketRecords(planner)

    def build(self, plan: TicketPlan, customer: Customer, number: int) -> None:
        """Every row of one ticket numbered ``number``."""
        draft = self._open(plan, customer, number)
        self._state(draft, plan, customer)
        self.records.add(draft, plan, customer)

    # --- The request as it came in ---------------------------------------------------------

    def _coverage(self, customer: Customer, at: float) -> tuple[int, str, str, str, Row | None]:
        """The entitlement a ticket at ``at`` uses: (pk, kind, product, category, new credit)."""
        rng = self.rng
        category = rng.choices(*v.CATEGORIES)[0]
        for term in customer.plan:
            if term.starts <= at < term.ends:
                return term.pk, customer.profile, customer.product, category, None
        if customer.trial and customer.trial.starts <= at < customer.trial.ends:
            return customer.trial.pk, SupportKind.FREE_TRIAL, customer.product, category, None
        # A credit bought for this request and used up by it.
        product = customer.product
        per_incident = product in v.PER_INCIDENT_PRODUCTS[0]
        if not per_incident and category not in (Category.SETUP, Category.RESTORE):
            category = rng.choice((Category.SETUP, Category.RESTORE))
        if category == Category.RESTORE:
            kind = SupportKind.RESTORE
        elif category == Category.SETUP and (not per_incident or rng.random() < 0.5):
            kind = SupportKind.SETUP
        else:
            kind = SupportKind.PER_INCIDENT
        starts = at - (HOUR + 20 * DAY * rng.random())
        ends = starts + 365 * DAY if kind != SupportKind.PER_INCIDENT else None
        credit = self.planner.entitlement(customer, kind, starts=starts, ends=ends, uses=1, left=0)
        return credit["id"], kind, product, category, credit

    def _open(self, plan: TicketPlan, customer: Customer, number: int) -> Draft:
        """The request as the customer sent it, with its service targets and engineer."""
        rng = self.rng
        c = plan.created
        pk = self.keys[Ticket].take()
        ticket_id = ticket_id_format(number, time.gmtime(c).tm_year)
        entitlement, kind, product, category, credit = self._coverage(customer, c)
        offering = self.catalogue.offerings[kind]
        by_phone = offering.serves(Channel.PHONE) and rng.random() < 0.12
        if by_phone:
            hours, days = offering.phone_response_hours, offering.phone_response_days
        else:
            hours, days = offering.online_response_hours, offering.online_response_days
        due = skip_weekend(c + (hours * HOUR if hours else (days or 1) * DAY))
        callback_due = None
        if by_phone and offering.phone_response_hours:
            callback_due = skip_weekend(c + CALLBACK_HOURS * HOUR)
        engineers = self.catalogue.engineers[customer.team]
        engineer = None if plan.status == Status.NEW else rng.choice(engineers)
        other_language = rng.random() >= 0.95
        language = rng.choice((v.ENGLISH, v.GERMAN)) if other_language else customer.language
        fill = {
            "version": self.planner.version(c),
            "pct": rng.randint(3, 97),
            "mbit": rng.randint(1, 40),
            "count": rng.randint(2, 400),
            "when": rng.choice(v.WHEN),
            "error": rng.choice(v.ERRORS),
            "job": rng.choice(v.JOBS),
        }
        subject = rng.choice(v.SUBJECTS[category]).format(**fill)
        first_via = rng.choices((Message.Via.WEB, Message.Via.API), (92, 8))[0]
        description = rng.choice(v.CUSTOMER_BODIES[:4])
        return Draft(
            pk=pk,
            ticket_id=ticket_id,
            created=c,
            entitlement=entitlement,
            credit=credit,
            kind=kind,
            product=product,
            category=category,
            channel=Channel.PHONE if by_phone else Channel.ONLINE,
            due=due,
            callback_due=callback_due,
            engineer=engineer,
            language=language,
            fill=fill,
            subject=subject,
            lines=[Line(c, CUSTOMER, first_via, customer.pk, False, description)],
        )

    # --- The timeline ----------------------------------------------------------------------

    def _state(self, draft: Draft, plan: TicketPlan, customer: Customer) -> None:
        """The conversation, then the tail that put the ticket in its state."""
        rng = self.rng
        c = draft.created
        tail: list[Line] = []
        extra = plan.extra
        speakers: tuple[str, ...] | None = None  # None: a conversation with support
        end = self.now - MINUTE
        if plan.status == Status.NEW:
            speakers = (CUSTOMER,)
        elif plan.status == Status.OPEN and not plan.responded:
            speakers = (CUSTOMER, NOTE)
        elif plan.status == Status.OPEN:
            extra += 1  # the first answer opens the conversation
        elif plan.status == Status.WAITING:
            tail, first, last, draft.next_action = self._waiting_tail(plan, draft.engineer, c)
            draft.attempts = plan.attempts
            draft.first_attempt, draft.last_attempt = first, last
            draft.proposed = first if plan.proposal else None
            end = first
        else:
            closed_at, draft.closing_actor, draft.close_detail, tail = self._closing(
                plan, customer, draft.engineer, c
            )
            draft.closed_at = closed_at
            end = tail[0].at if tail else closed_at
            if not plan.responded:
                speakers = (CUSTOMER,)
            if plan.resolution == Resolution.AUTO_CLOSED:
                draft.attempts = plan.attempts
                draft.first_attempt, draft.last_attempt = tail[0].at, tail[-1].at
        if extra > 0:
            span = max(end - c, 1.0)
            response = c + min(span * 0.5, (draft.due - c) * (0.05 + rng.random() * 1.05))
            times = [response, *sorted(response + (end - response) * rng.random()
                                       for _ in range(extra - 1))]  # fmt: skip
            self._conversation(draft, times, speakers, customer)
        # A waiting period starts only in the tail: no earlier answer still waits.
        for line in reversed(draft.lines):
            if line.kind in (ENGINEER, CALL):
                line.awaits = False
                break
        draft.lines.extend(tail)
        for line in draft.lines:
            if "{" in line.body:
                line.body = line.body.format(**draft.fill)

    def _conversation(
        self,
        draft: Draft,
        times: list[float],
        speakers: tuple[str, ...] | None,
        customer: Customer,
    ) -> None:
        """Messages at ``times``: support and customer taking turns, with notes and calls."""
        rng = self.rng
        lines = draft.lines
        engineer = draft.engineer.pk if draft.engineer else None
        if speakers is not None:
            for at in times:
                if rng.choice(speakers) == NOTE:
                    lines.append(Line(at, NOTE, ADMIN, engineer, False, rng.choice(v.NOTE_BODIES)))
                else:
                    via = rng.choice((Message.Via.WEB, Message.Via.EMAIL))
                    lines.append(Line(at, CUSTOMER, via, customer.pk, False,
                                      rng.choice(v.CUSTOMER_BODIES)))  # fmt: skip
            return
        support_turn = True
        for index, at in enumerate(times):
            roll = rng.random()
            if support_turn and index and roll < 0.25:
                lines.append(Line(at, NOTE, ADMIN, engineer, False, rng.choice(v.NOTE_BODIES)))
            elif support_turn:
                if (draft.channel == Channel.PHONE and index == 0) or roll > 0.94:
                    body = f"{v.CALL_REACHED_BODY}\n\n{rng.choice(v.CALL_NOTES)}"
                    lines.append(Line(at, CALL, ADMIN, engineer, False, body.strip()))
                else:
                    lines.append(Line(at, ENGINEER, ADMIN, engineer, rng.random() < 0.45,
                                      rng.choice(v.ENGINEER_BODIES)))  # fmt: skip
                support_turn = False
            else:
                via = rng.choices(
                    (Message.Via.WEB, Message.Via.EMAIL, Message.Via.LINK), (55, 35, 10)
                )[0]
                lines.append(Line(at, CUSTOMER, via, customer.pk, False,
                                  rng.choice(v.CUSTOMER_BODIES[3:])))  # fmt: skip
                support_turn = True

    def _waiting_tail(
        self, plan: TicketPlan, engineer: Engineer | None, c: float
    ) -> tuple[list[Line], float, float, float]:
        """The contact attempts of the current waiting period and the sweep's next step.

        Returns the messages, the first and last attempt and the next automatic step.
        """
        rng = self.rng
        attempts = plan.attempts
        author = engineer.pk if engineer else None
        interval, window = self.waiting.interval, self.waiting.window
        # Time since the last attempt; about one in ten is due already (the sweep runs soon).
        if attempts < self.waiting.attempts:
            period = interval
        else:
            period = max(window - interval * (attempts - 1), DAY)
        overdue = rng.random() < 0.1
        gap = period * (1.0 + 0.25 * rng.random()) if overdue else period * rng.random()
        earliest = c + 5 * MINUTE
        slack = self.now - earliest - interval * (attempts - 1)
        if gap > slack:
            gap = max(slack, 0.0) * rng.random()
        last = self.now - gap
        first = last - interval * (attempts - 1)
        tail = []
        if plan.proposal:
            tail.append(Line(first, v.PROPOSAL, ADMIN, author, True, v.PLANNED_FIX_BODY))
        elif rng.random() < 0.2:
            tail.append(Line(first, CALL, ADMIN, author, True, v.CALL_NOT_REACHED_BODY))
        else:
            body = rng.choice(v.ENGINEER_BODIES[:5])
            tail.append(Line(first, ENGINEER, ADMIN, author, True, body))
        tail += [
            Line(first + interval * n, SYSTEM, Message.Via.SYSTEM, None, True, v.REMINDER)
            for n in range(1, attempts)
        ]
        if attempts < self.waiting.attempts:
            next_action = last + interval
        else:
            next_action = max(first + window, last + DAY)
        return tail, first, last, next_action

    def _closing(
        self, plan: TicketPlan, customer: Customer, engineer: Engineer | None, c: float
    ) -> tuple[float, int | None, str, list[Line]]:
        """When and by whom a closed ticket closed, the event's detail, the messages before."""
        rng = self.rng
        author = engineer.pk if engineer else None
        latest = self.now - MINUTE
        resolution = plan.resolution
        if resolution == Resolution.CANCELLED:
            closed = min(c + 5 * MINUTE + DAY * rng.random() ** 3, latest)
            return closed, author, v.CANCEL_REASON, []
        lifetime = rng.lognormvariate(0, 1.1) * 2.5 * DAY + HOUR
        if resolution == Resolution.AUTO_CLOSED:
            interval, window = self.waiting.interval, self.waiting.window
            room = max(self.now - c - window - 2 * HOUR, HOUR)
            first = c + min(lifetime, room * rng.random())
            tail = [Line(first, ENGINEER, ADMIN, author, True, rng.choice(v.ENGINEER_BODIES))]
            tail += [
                Line(first + interval * n, SYSTEM, Message.Via.SYSTEM, None, True, v.REMINDER)
                for n in range(1, plan.attempts)
            ]
            closed = min(first + window + rng.random() * MINUTE, latest)
            return closed, None, v.AUTO_CLOSED_DETAIL.format(attempts=plan.attempts), tail
        closed = c + lifetime
        if closed > latest:
            closed = c + (latest - c) * (0.5 + 0.45 * rng.random())
        if resolution == Resolution.RESOLVED:
            at = closed - (closed - c) * 0.02
            return closed, author, "", [Line(at, ENGINEER, ADMIN, author, False,
                                             v.ENGINEER_BODIES[-1])]  # fmt: skip
        if resolution == Resolution.CANNOT_RESOLVE:
            at = closed - (closed - c) * 0.3
            proposal = Line(at, v.PROPOSAL, ADMIN, author, True, v.PROPOSAL_BODY)
            return closed, customer.pk, "", [proposal]
        return closed, customer.pk, "", []  # closed by the customer
