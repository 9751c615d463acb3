"""Writes of the entitlements app, and the decision who may open which request.

Every rule of the support policy that decides access lives here: ``check`` explains the decision,
``entitlement_use`` takes it and uses up a credit atomically, ``entitlement_give_back`` returns one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from entitlements import arrangements, lifecycle
from entitlements.catalogue import PRODUCTS, RELEASES
from entitlements.models import (
    Category,
    Channel,
    Entitlement,
    EntitlementEvent,
    Licence,
    Offering,
    Order,
    OrderItem,
    Product,
    Registration,
    Release,
    SupportKind,
    licence_key_normalise,
)
from portal.core.errors import ApplicationError
from portal.core.jsonlimits import JSONTooDeep, json_depth_check

if TYPE_CHECKING:
    from teams.models import Team

PARTNER_CATEGORIES = {Category.PRE_SALES, Category.POST_SALES}
COMPLEMENTARY_KINDS = {SupportKind.SETUP, SupportKind.RESTORE}


# --- The decision -----------------------------------------------------------------------------


@dataclass
class Decision:
    """Whether a request may be opened, under which entitlement and target, and why (not)."""

    allowed: bool
    product: Product
    version: str
    category: str
    channel: str
    entitlement: Entitlement | None = None
    first_response_due: datetime | None = None
    reason: str = ""
    reason_code: str = ""
    purchase_options: list[str] = field(default_factory=list)
    supported_until: date | None = None

    @property
    def kind(self) -> str | None:
        return self.entitlement.kind if self.entitlement else None


class EntitlementRefused(ApplicationError):
    """The entitlement rules refuse a request; ``decision`` says why and what could be bought."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.reason, code=decision.reason_code)
        self.decision = decision


def _product(product: Product | str) -> Product:
    if isinstance(product, Product):
        return product
    try:
        return Product.objects.get(code=product)
    except Product.DoesNotExist:
        raise ApplicationError(
            _("There is no product with the code %(code)s.") % {"code": product},
            code="unknown-product",
        ) from None


def product_get(product: Product | str) -> Product:
    """The product itself, or the one with this code; an ApplicationError when there is none."""
    return _product(product)


def _date(value: datetime | date) -> str:
    day = timezone.localtime(value).date() if isinstance(value, datetime) else value
    return formats.date_format(day, "DATE_FORMAT")


def _kind_label(kind: str) -> str:
    return str(SupportKind(kind).label)


def _category_label(category: str) -> str:
    try:
        return str(Category(category).label)
    except ValueError:
        return category


def _rank(entitlement: Entitlement) -> tuple:
    """Prefer a plan (nothing is used up), then a matching Setup/Restore credit, then Per Incident;
    within each, the one that ends first."""
    if entitlement.uses_total is None:
        group = 0
    elif entitlement.kind in COMPLEMENTARY_KINDS:
        group = 1
    else:
        group = 2
    ends = entitlement.ends_at or datetime.max.replace(tzinfo=timezone.get_current_timezone())
    return (group, ends, entitlement.pk)


def purchase_options(*, product: Product, category: str, channel: str) -> list[str]:
    """Codes of the offerings sold for ``product`` that would allow such a request."""
    from entitlements.selectors import sold_offerings

    offerings = sold_offerings(product=product)
    return [o.code for o in offerings if o.covers(category) and o.serves(channel)]


def first_response_due(
    *, customer, offering: Offering, channel: str, start: datetime, team: Team | None = None
):
    """The first-response target of ``offering`` on ``channel``, in the customer's team calendar.

    ``team`` is the customer's team when the caller has already looked it up.
    """
    from teams import selectors as team_selectors
    from teams import services as team_services

    if channel == Channel.PHONE:
        hours, days = offering.phone_response_hours, offering.phone_response_days
    else:
        hours, days = offering.online_response_hours, offering.online_response_days
    if hours is None and days is None:
        return None
    if team is None:
        team = team_selectors.team_for_user(user=customer)
    if hours is not None:
        return team_services.add_business_time(
            team=team, start=start, duration=timedelta(hours=hours)
        )
    return team_services.add_business_time(team=team, start=start, business_days=days)


def check(
    *,
    customer,
    product: Product | str,
    version: str,
    category: str,
    channel: str = Channel.ONLINE,
    at: datetime | None = None,
    team: Team | None = None,
) -> Decision:
    """Decide whether ``customer`` may open this request now, and explain the answer.

    ``team`` is the customer's team (for the service target) when the caller has it already.
    """
    from entitlements.selectors import calendar_day, calendar_zone
    from teams import selectors as team_selectors

    at = at or timezone.now()
    product = _product(product)
    if category not in Category.values:
        raise ApplicationError(
            _("Unknown category %(category)s.") % {"category": category}, code="invalid-category"
        )
    if channel not in Channel.values:
        raise ApplicationError(
            _("Unknown channel %(channel)s.") % {"channel": channel}, code="invalid-channel"
        )
    decision = Decision(
        allowed=False, product=product, version=version, category=category, channel=channel
    )

    if team is None:
        team = team_selectors.team_for_user(user=customer)
    # Support ends with the last supported day of the customer's team calendar, not of UTC.
    today = calendar_day(at, calendar_zone(team=team))
    status = lifecycle.version_status(product=product, version=version, on=today)
    decision.supported_until = status.supported_until
    if not status.known:
        decision.reason_code = "unknown-version"
        decision.reason = _("%(product)s has no version %(version)s. The newest is %(latest)s.") % {
            "product": product.name,
            "version": version,
            "latest": status.latest_version or "—",
        }
        return decision
    if not status.supported:
        decision.reason_code = "version-unsupported"
        decision.reason = _(
            "Version %(version)s of %(product)s was supported until %(date)s. "
            "Please upgrade to version %(latest)s; registered users of an older major version "
            "find their upgrade price on the My support page."
        ) % {
            "version": version,
            "product": product.name,
            "date": _date(status.supported_until),
            "latest": status.latest_version,
        }
        return decision
    if category in PARTNER_CATEGORIES:
        decision.reason_code = "partner-only"
        decision.reason = _(
            "Pre-sales and post-sales help is a service for Certified and Premium "
            "ValueCREATE! partners."
        )
        return decision

    held = list(
        Entitlement.objects.filter(customer=customer, product=product, revoked_at__isnull=True)
        .select_related("offering")
        .order_by("-starts_at")
    )
    active = [
        e
        for e in held
        if e.starts_at <= at
        and (e.ends_at is None or e.ends_at > at)
        and (e.uses_left is None or e.uses_left > 0)
    ]
    usable = [e for e in active if e.offering.covers(category) and e.offering.serves(channel)]
    if usable:
        chosen = min(usable, key=_rank)
        decision.allowed = True
        decision.entitlement = chosen
        decision.first_response_due = first_response_due(
            customer=customer, offering=chosen.offering, channel=channel, start=at, team=team
        )
        return decision

    decision.purchase_options = purchase_options(
        product=product, category=category, channel=channel
    )
    decision.reason_code, decision.reason = _refusal(
        held=held, active=active, product=product, category=category, channel=channel, at=at
    )
    return decision


def _refusal(*, held, active, product, category, channel, at) -> tuple[str, str]:
    """Explain why none of the customer's entitlements allows the request."""
    names = {"product": product.name, "category": _category_label(category)}
    wrong_category = [e for e in active if e.offering.serves(channel) and e.offering.categories]
    if wrong_category:
        kind = wrong_category[0].kind
        if kind == SupportKind.PER_INCIDENT and category == Category.RESTORE:
            return "restore-not-covered", _(
                "Per Incident Support does not cover restore questions; Restore Support does."
            )
        return "category-not-covered", _(
            "Your %(kind)s for %(product)s does not cover requests about %(category)s."
        ) % {**names, "kind": _kind_label(kind)}
    wrong_channel = [e for e in active if e.offering.covers(category)]
    if wrong_channel:
        kind = _kind_label(wrong_channel[0].kind)
        if channel == Channel.PHONE:
            return "channel-not-covered", _(
                "Your %(kind)s is answered online; call-back by phone is not part of it."
            ) % {"kind": kind}
        return "channel-not-covered", _(
            "Your %(kind)s is served by phone; online requests are not part of it."
        ) % {"kind": kind}
    relevant = [e for e in held if e.offering.covers(category) and e.offering.serves(channel)]
    used = [e for e in relevant if e.uses_left == 0 and (e.ends_at is None or e.ends_at > at)]
    if used:
        return "credit-used", _("Your %(kind)s for %(product)s has already been used.") % {
            **names,
            "kind": _kind_label(used[0].kind),
        }
    expired = [e for e in relevant if e.ends_at is not None and e.ends_at <= at]
    if expired:
        last = max(expired, key=lambda e: e.ends_at)
        return "expired", _("Your %(kind)s for %(product)s expired on %(date)s.") % {
            **names,
            "kind": _kind_label(last.kind),
            "date": _date(last.ends_at),
        }
    not_yet = [e for e in relevant if e.starts_at > at]
    if not_yet:
        first = min(not_yet, key=lambda e: e.starts_at)
        return "not-yet-valid", _("Your %(kind)s for %(product)s starts on %(date)s.") % {
            **names,
            "kind": _kind_label(first.kind),
            "date": _date(first.starts_at),
        }
    return "no-entitlement", _(
        "You hold no support for %(product)s that covers requests about %(category)s. "
        "The knowledge base and documentation are open to everyone."
    ) % names


def entitlement_use(
    *,
    customer,
    product: Product | str,
    version: str,
    category: str,
    channel: str = Channel.ONLINE,
    reference: str,
    actor=None,
    team: Team | None = None,
) -> Decision:
    """Decide and take: record the use, and use up a credit where the entitlement has uses.

    Two requests racing for the last credit: the conditional UPDATE lets exactly one of them
    take it; the other decides again and is refused (or served by another entitlement).

    The decision only reads, so it runs before the write block: a refusal is raised outside
    it and leaves the caller's transaction usable. The credit and its event are written
    together; inside the caller's transaction they need no savepoint of their own.
    """
    for _attempt in range(3):
        decision = check(
            customer=customer,
            product=product,
            version=version,
            category=category,
            channel=channel,
            team=team,
        )
        if not decision.allowed:
            raise EntitlementRefused(decision)
        entitlement = decision.entitlement
        with transaction.atomic(savepoint=False):
            if entitlement.uses_total is not None:
                taken = Entitlement.objects.filter(pk=entitlement.pk, uses_left__gt=0).update(
                    uses_left=F("uses_left") - 1
                )
                if not taken:
                    continue
                entitlement.refresh_from_db(fields=["uses_left"])
            EntitlementEvent.objects.create(
                entitlement=entitlement,
                action=EntitlementEvent.Action.CONSUMED,
                reference=reference,
                actor=actor,
            )
        return decision
    decision = check(
        customer=customer,
        product=product,
        version=version,
        category=category,
        channel=channel,
        team=team,
    )
    raise EntitlementRefused(decision)


@transaction.atomic
def entitlement_give_back(*, entitlement: Entitlement, reference: str, reason: str, actor=None):
    """Return the use a request took (support cancelled it as a mistake); record why."""
    if not reason.strip():
        raise ApplicationError(_("Say why the credit is given back."), code="reason-required")
    if not entitlement.events.filter(
        action=EntitlementEvent.Action.CONSUMED, reference=reference
    ).exists():
        raise ApplicationError(
            _("Request %(reference)s did not use this entitlement.") % {"reference": reference},
            code="not-used",
        )
    try:
        with transaction.atomic():
            EntitlementEvent.objects.create(
                entitlement=entitlement,
                action=EntitlementEvent.Action.GIVEN_BACK,
                reference=reference,
                reason=reason.strip(),
                actor=actor,
            )
    except IntegrityError:
        raise ApplicationError(
            _("The use by %(reference)s was already given back.") % {"reference": reference},
            code="already-given-back",
        ) from None
    if entitlement.uses_total is not None:
        Entitlement.objects.filter(pk=entitlement.pk, uses_left__lt=F("uses_total")).update(
            uses_left=F("uses_left") + 1
        )
        entitlement.refresh_from_db(fields=["uses_left"])
    return entitlement


# --- Granting, extending, revoking ------------------------------------------------------------


def _stacked_start(*, customer, product: Product, kind: str, start: datetime) -> datetime:
    """A renewal bought while the current term runs starts when that term ends."""
    latest_end = (
        Entitlement.objects.filter(
            customer=customer,
            product=product,
            kind=kind,
            revoked_at__isnull=True,
            ends_at__gt=start,
            starts_at__lte=start,
        )
        .order_by("-ends_at")
        .values_list("ends_at", flat=True)
        .first()
    )
    return latest_end or start


@transaction.atomic
def entitlement_grant(
    *,
    customer,
    product: Product,
    offering: Offering,
    starts_at: datetime,
    quantity: int = 1,
    source: str = "",
    actor=None,
    order_item: OrderItem | None = None,
    registration: Registration | None = None,
    stack: bool = True,
) -> Entitlement:
    """Give ``customer`` ``quantity`` of ``offering`` for ``product`` from ``starts_at``.

    One-incident kinds get ``quantity`` uses; term kinds get ``quantity`` consecutive terms, and
    a renewal bought while a term runs continues it without a gap.
    """
    if quantity < 1:
        raise ApplicationError(_("The quantity must be at least 1."), code="invalid-quantity")
    if not offering.products.filter(pk=product.pk).exists():
        raise ApplicationError(
            _("%(offering)s is not available for %(product)s.")
            % {"offering": offering.name, "product": product.name},
            code="offering-not-for-product",
        )
    uses = offering.uses * quantity if offering.uses is not None else None
    if stack and offering.uses is None and offering.term_days:
        starts_at = _stacked_start(
            customer=customer, product=product, kind=offering.kind, start=starts_at
        )
    if offering.term_days:
        days = offering.term_days * (quantity if offering.uses is None else 1)
        ends_at = starts_at + timedelta(days=days)
    else:
        ends_at = None
    entitlement = Entitlement.objects.create(
        customer=customer,
        product=product,
        offering=offering,
        kind=offering.kind,
        starts_at=starts_at,
        ends_at=ends_at,
        uses_total=uses,
        uses_left=uses,
        source=source,
        order_item=order_item,
        registration=registration,
    )
    EntitlementEvent.objects.create(
        entitlement=entitlement,
        action=EntitlementEvent.Action.GRANTED,
        reference=source,
        actor=actor,
    )
    if offering.kind in arrangements.ARRANGED_KINDS:
        # The customer receives a call to arrange the session as soon as they buy it.
        arrangements.arrangement_call_book(entitlement=entitlement)
    return entitlement


@transaction.atomic
def entitlement_extend(*, entitlement: Entitlement, days: int, reason: str, actor) -> Entitlement:
    """Move the end of a term by ``days`` (staff goodwill or a correction)."""
    if days == 0 or not reason.strip():
        raise ApplicationError(_("Give a number of days and a reason."), code="invalid")
    if entitlement.ends_at is None:
        raise ApplicationError(_("This entitlement has no end date to extend."), code="no-term")
    Entitlement.objects.filter(pk=entitlement.pk).update(
        ends_at=F("ends_at") + timedelta(days=days)
    )
    entitlement.refresh_from_db(fields=["ends_at"])
    EntitlementEvent.objects.create(
        entitlement=entitlement,
        action=EntitlementEvent.Action.EXTENDED,
        reason=f"{days:+d} days: {reason.strip()}",
        actor=actor,
    )
    return entitlement


@transaction.atomic
def entitlement_revoke(*, entitlement: Entitlement, reason: str, actor) -> Entitlement:
    """Withdraw an entitlement (refund, fraud, mistake); the reason is recorded."""
    if not reason.strip():
        raise ApplicationError(_("Say why the entitlement is revoked."), code="reason-required")
    updated = Entitlement.objects.filter(pk=entitlement.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoke_reason=reason.strip()[:250]
    )
    if not updated:
        raise ApplicationError(_("This entitlement is already revoked."), code="already-revoked")
    entitlement.refresh_from_db(fields=["revoked_at", "revoke_reason"])
    EntitlementEvent.objects.create(
        entitlement=entitlement,
        action=EntitlementEvent.Action.REVOKED,
        reason=reason.strip()[:250],
        actor=actor,
    )
    return entitlement


# --- Registrations ----------------------------------------------------------------------------


@transaction.atomic
def registration_create(
    *,
    customer,
    product: Product | str,
    kind: str,
    key: str,
    version: str,
    registered_at: datetime | None = None,
) -> tuple[Registration, bool]:
    """Register a licence or evaluation; return (registration, created).

    A licence key must have been issued by an order: the registration takes that order's
    purchase date (the day in the customer's team calendar), which decides the free upgrade.
    Any other key is registered only as an evaluation. The first registration of a licence key
    starts its Free Trial; an evaluation starts one only when the account has had no evaluation
    trial for the product. Registering the same key again returns the existing registration.
    """
    from entitlements.selectors import calendar_day, calendar_zone

    product = _product(product)
    key = licence_key_normalise(key)
    if not key:
        raise ApplicationError(_("Enter the licence key or evaluation ID."), code="key-required")
    if kind not in Registration.Kind.values:
        raise ApplicationError(_("Choose licence or evaluation."), code="invalid-kind")
    if not Release.objects.filter(product=product, version=version.strip()).exists():
        raise ApplicationError(
            _("%(product)s has no version %(version)s.")
            % {"product": product.name, "version": version},
            code="unknown-version",
        )
    # Registrations of one account are serialised, so two at once cannot both start the
    # account's one evaluation trial of a product.
    get_user_model().objects.select_for_update().filter(pk=customer.pk).first()
    existing = Registration.objects.select_for_update().filter(product=product, key=key).first()
    if existing is not None:
        if existing.customer_id != customer.pk:
            raise ApplicationError(
                _(
                    "This key is already registered to another account. "
                    "If it is yours, please contact support."
                ),
                code="key-taken",
            )
        return existing, False
    licence = Licence.objects.filter(key=key).select_related("product").first()
    if kind == Registration.Kind.LICENCE and (licence is None or licence.product_id != product.pk):
        raise ApplicationError(
            _(
                "This licence key was not issued by an order for %(product)s. Please check the "
                "key in your order confirmation; to try %(product)s, register the evaluation ID "
                "of your trial instead."
            )
            % {"product": product.name},
            code="licence-unknown",
        )
    if kind == Registration.Kind.EVALUATION and licence is not None:
        raise ApplicationError(
            _("This is a licence key from an order: register it as a licence."),
            code="key-is-licence",
        )
    registered_at = registered_at or timezone.now()
    purchased_on = None
    if licence is not None:
        purchased_on = calendar_day(licence.purchased_at, calendar_zone(customer=customer))
    try:
        with transaction.atomic():
            registration = Registration.objects.create(
                customer=customer,
                product=product,
                kind=kind,
                key=key,
                version=version.strip(),
                purchased_on=purchased_on,
                licence=licence,
                registered_at=registered_at,
            )
    except IntegrityError:
        # The same key was registered at the same moment by another request.
        return registration_create(
            customer=customer, product=product, kind=kind, key=key, version=version
        )
    if (
        kind == Registration.Kind.EVALUATION
        and Entitlement.objects.filter(
            customer=customer,
            product=product,
            kind=SupportKind.FREE_TRIAL,
            registration__kind=Registration.Kind.EVALUATION,
        ).exists()
    ):
        # One evaluation trial per account and product: a new evaluation ID starts no other.
        return registration, True
    trial = Offering.objects.get(kind=SupportKind.FREE_TRIAL)
    entitlement_grant(
        customer=customer,
        product=product,
        offering=trial,
        starts_at=registration.registered_at,
        source=f"registration {key}",
        registration=registration,
        stack=False,
    )
    return registration, True


# --- Orders from the online shop --------------------------------------------------------------


class SignatureInvalid(ApplicationError):
    pass


def order_signature(body: bytes) -> str:
    """The value of X-Order-Signature for ``body``, as the shop computes it."""
    secret = settings.ORDER_WEBHOOK_SECRET.encode()
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def order_notification_receive(*, body: bytes, signature: str | None) -> tuple[Order, bool]:
    """Verify, parse and record a signed order notification; return (order, created)."""
    from entitlements.schemas import OrderNotificationSerializer

    if not settings.ORDER_WEBHOOK_SECRET:
        raise SignatureInvalid("ORDER_WEBHOOK_SECRET is not configured", code="no-secret")
    if not signature or not hmac.compare_digest(signature.strip(), order_signature(body)):
        raise SignatureInvalid("bad or missing signature", code="bad-signature")
    try:
        json_depth_check(body)
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, JSONTooDeep) as exc:
        raise ApplicationError(f"body is not JSON: {exc}", code="malformed") from None
    serializer = OrderNotificationSerializer(data=payload)
    if not serializer.is_valid():
        raise ApplicationError(
            "invalid order notification", code="malformed", extra={"fields": serializer.errors}
        )
    return order_record(data=serializer.validated_data, payload=payload)


@transaction.atomic
def order_record(*, data: dict, payload: dict) -> tuple[Order, bool]:
    """Store an order once per reference and link it to the customer of its verified e-mail."""
    existing = Order.objects.filter(reference=data["reference"]).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            order = Order.objects.create(
                reference=data["reference"],
                email=data["email"].lower(),
                currency=data["currency"],
                purchased_at=data["purchased_at"],
                payload=payload,
            )
            OrderItem.objects.bulk_create(
                OrderItem(
                    order=order,
                    offering=item["offering"],
                    product=item["product"],
                    quantity=item["quantity"],
                )
                for item in data["items"]
            )
            licences = [
                {**licence, "key": licence_key_normalise(licence["key"])}
                for licence in data.get("licences", [])
            ]
            issued = set(
                Licence.objects.filter(key__in=[lic["key"] for lic in licences]).values_list(
                    "key", flat=True
                )
            )
            if issued:
                raise _licences_issued_before(issued)
            Licence.objects.bulk_create(
                Licence(
                    order=order,
                    key=licence["key"],
                    product=licence["product"],
                    version=licence.get("version", ""),
                    purchased_at=order.purchased_at,
                )
                for licence in licences
            )
    except IntegrityError:
        existing = Order.objects.filter(reference=data["reference"]).first()
        if existing is None:
            # Another order issued one of these keys at the same moment.
            raise _licences_issued_before(
                {lic["key"] for lic in data.get("licences", [])}
            ) from None
        return existing, False
    owner = _verified_owner(order.email)
    if owner is not None:
        order = order_link(order=order, customer=owner, by="email")
    return order, True


def _licences_issued_before(keys: set[str]) -> ApplicationError:
    """The answer to a notification whose licence keys another order issued already."""
    return ApplicationError(
        "invalid order notification",
        code="malformed",
        extra={
            "fields": {
                "licences": [
                    f"licence key {key} was issued by another order" for key in sorted(keys)
                ]
            }
        },
    )


def _verified_owner(email: str):
    from allauth.account.models import EmailAddress

    address = (
        EmailAddress.objects.filter(email__iexact=email, verified=True)
        .select_related("user")
        .first()
    )
    return address.user if address else None


@transaction.atomic
def order_link(*, order: Order, customer, by: str) -> Order:
    """Attach an order to a customer and grant what it bought (once per item)."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.customer_id is None:
        order.customer = customer
        order.linked_at = timezone.now()
        order.linked_by = by
        order.save(update_fields=["customer", "linked_at", "linked_by"])
    elif order.customer_id != customer.pk:
        raise ApplicationError(_("This order belongs to another account."), code="order-taken")
    for item in order.items.select_related("offering", "product").filter(granted_at__isnull=True):
        entitlement_grant(
            customer=order.customer,
            product=item.product,
            offering=item.offering,
            starts_at=order.purchased_at,
            quantity=item.quantity,
            source=order.reference,
            order_item=item,
        )
        OrderItem.objects.filter(pk=item.pk).update(granted_at=timezone.now())
    return order


def order_claim(*, customer, reference: str, email: str) -> Order:
    """Link the order with this reference and purchase e-mail to ``customer``.

    A wrong pair, an unknown reference and another customer's order all get the same answer, so
    the form cannot be used to find out which references exist.
    """
    not_found = ApplicationError(
        _("No order matches this reference number and e-mail address."), code="order-not-found"
    )
    order = Order.objects.filter(
        reference__iexact=reference.strip(), email__iexact=email.strip()
    ).first()
    if order is None or order.customer_id not in (None, customer.pk):
        raise not_found
    try:
        return order_link(order=order, customer=customer, by="claim")
    except ApplicationError:
        # Another account claimed it a moment ago: answer as for any other mismatch.
        raise not_found from None


def orders_link_for_email(*, customer, email: str) -> int:
    """Link every unclaimed order placed under ``email`` (called once the address is verified)."""
    orders = list(Order.objects.filter(email__iexact=email, customer__isnull=True))
    for order in orders:
        order_link(order=order, customer=customer, by="email")
    return len(orders)


def support_discount(*, customer) -> Decimal:
    """The discount in percent the customer gets on support packages (partner members)."""
    from partners import selectors as partner_selectors

    return partner_selectors.support_discount_for(customer)


def price_after_discount(amount: Decimal | None, percent: Decimal) -> Decimal | None:
    """``amount`` less ``percent``, rounded to the cent."""
    if amount is None or not percent:
        return amount
    return (amount * (Decimal(100) - percent) / Decimal(100)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def checkout_local(*, customer, items: list[dict], currency: str) -> Order:
    """Complete a purchase without the shop: emit the notification the shop would send.

    The notification is signed and goes through ``order_notification_receive``, the code path of
    the real shop's webhook, so what a customer gets here is what the shop would give them. Each
    line carries the price paid: the list price less the customer's partner discount.
    """
    if not settings.SHOP_LOCAL_CHECKOUT or settings.SHOP_CHECKOUT_URL:
        # Support is granted here without a payment: never where the real shop sells it.
        raise ApplicationError(
            _("Checkout in the portal is not available; please buy in the online shop."),
            code="local-checkout-off",
        )
    if not items:
        raise ApplicationError(_("Your cart is empty."), code="empty-cart")
    discount = support_discount(customer=customer)
    offerings = {
        o.code: o for o in Offering.objects.filter(code__in={item["offering"] for item in items})
    }
    priced, total = [], Decimal("0")
    for item in items:
        offering = offerings.get(item["offering"])
        unit = price_after_discount(offering.price(currency), discount) if offering else None
        priced.append({**item, "unit_price": str(unit) if unit is not None else None})
        total += (unit or Decimal("0")) * int(item.get("quantity", 1))
    body = json.dumps(
        {
            "reference": f"NOVA-{secrets.token_hex(4).upper()}",
            "email": customer.email,
            "currency": currency,
            "purchased_at": timezone.now().isoformat(),
            "items": priced,
            "discount_percent": str(discount),
            "total": str(total),
        }
    ).encode()
    order, _created = order_notification_receive(body=body, signature=order_signature(body))
    # The buyer is signed in: the order is theirs even before the address is verified.
    return order_link(order=order, customer=customer, by="claim")


# --- Demo catalogue ---------------------------------------------------------------------------


@transaction.atomic
def catalogue_load() -> int:
    """Create the standard products and releases that are missing; return how many were added."""
    added = 0
    for order, (code, name) in enumerate(PRODUCTS):
        product, created = Product.objects.get_or_create(
            code=code, defaults={"name": name, "sort_order": order}
        )
        added += created
        for version, released_on in RELEASES[code]:
            _release, created = Release.objects.get_or_create(
                product=product, version=version, defaults={"released_on": released_on}
            )
            added += created
    return added
