"""Customer pages of the entitlements app: supported versions, "My support", registering a
product, claiming an order, and buying support through a cart kept in the session."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from babel.numbers import format_currency
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, ngettext, to_locale
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from entitlements import lifecycle, selectors, services
from entitlements.forms import (
    BuyProductForm,
    CartAddForm,
    CartItemForm,
    OrderClaimForm,
    RegistrationForm,
)
from entitlements.models import Category, Offering, Product
from entitlements.throttles import order_claim_limited
from portal.accounts.models import SupportTeam
from portal.core.errors import ApplicationError

CART_SESSION_KEY = "cart"
CART_NEXT_SESSION_KEY = "cart_next"
MAX_QUANTITY = 100  # what the shop's order notification accepts per item

# Which form field an ApplicationError of registration_create belongs to.
REGISTRATION_ERROR_FIELDS = {
    "unknown-product": "product",
    "invalid-kind": "kind",
    "key-required": "key",
    "key-taken": "key",
    "unknown-version": "version",
    "licence-unknown": "key",
    "key-is-licence": "key",
}


# --- Helpers ----------------------------------------------------------------------------------


def _currency(user) -> str:
    """Customers of the Germany team pay in euros, everyone else in US dollars."""
    return "EUR" if user.support_team == SupportTeam.DE else "USD"


def _money(amount: Decimal | None, currency: str) -> str:
    if amount is None:
        return ""
    return format_currency(amount, currency, locale=to_locale(get_language() or "en"))


def _safe_next(request: HttpRequest, url: str | None) -> str:
    """``url`` when it points into this site, else an empty string."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def _date(value) -> str:
    return formats.date_format(timezone.localtime(value).date(), "DATE_FORMAT")


def _category_label(code: str) -> str:
    try:
        return str(Category(code).label)
    except ValueError:
        return code


def _term(offering: Offering) -> str:
    days = offering.term_days
    if not days:
        return _("Valid until used")
    if days % 365 == 0:
        years = days // 365
        return ngettext("%(count)s year", "%(count)s years", years) % {"count": years}
    return ngettext("%(count)s day", "%(count)s days", days) % {"count": days}


def _uses(offering: Offering) -> str:
    if offering.uses is None:
        return _("Unlimited requests during the term")
    return ngettext("%(count)s request", "%(count)s requests", offering.uses) % {
        "count": offering.uses
    }


def _response_targets(offering: Offering) -> list[str]:
    targets = []
    if offering.online_response_hours is not None:
        n = offering.online_response_hours
        targets.append(
            ngettext(
                "Online: first answer within %(count)s business hour",
                "Online: first answer within %(count)s business hours",
                n,
            )
            % {"count": n}
        )
    elif offering.online_response_days is not None:
        n = offering.online_response_days
        targets.append(
            ngettext(
                "Online: first answer within %(count)s business day",
                "Online: first answer within %(count)s business days",
                n,
            )
            % {"count": n}
        )
    if offering.phone_response_hours is not None:
        n = offering.phone_response_hours
        targets.append(
            ngettext(
                "Phone: call-back within %(count)s business hour",
                "Phone: call-back within %(count)s business hours",
                n,
            )
            % {"count": n}
        )
    elif offering.phone_response_days is not None:
        n = offering.phone_response_days
        targets.append(
            ngettext(
                "Phone: call arranged within %(count)s business day",
                "Phone: call arranged within %(count)s business days",
                n,
            )
            % {"count": n}
        )
    return targets


@dataclass(frozen=True)
class OfferingCard:
    """What the buy page shows of one offering."""

    offering: Offering
    covers: list[str]
    term: str
    uses: str
    response_targets: list[str]
    price: str
    suitable: bool


def _offering_card(offering: Offering, *, currency: str, category: str) -> OfferingCard:
    return OfferingCard(
        offering=offering,
        covers=[_category_label(code) for code in offering.categories],
        term=_term(offering),
        uses=_uses(offering),
        response_targets=_response_targets(offering),
        price=_money(offering.price(currency), currency),
        suitable=not category or offering.covers(category),
    )


# --- The cart ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CartLine:
    offering: Offering
    product: Product
    quantity: int
    unit_price: str
    line_total: str

    @property
    def item(self) -> dict:
        return {
            "offering": self.offering.code,
            "product": self.product.code,
            "quantity": self.quantity,
        }


def _cart_items(request: HttpRequest) -> list[dict]:
    """The cart as the session holds it, with anything malformed dropped."""
    items = []
    for raw in request.session.get(CART_SESSION_KEY) or []:
        if not isinstance(raw, dict):
            continue
        offering, product, quantity = raw.get("offering"), raw.get("product"), raw.get("quantity")
        if isinstance(offering, str) and isinstance(product, str) and isinstance(quantity, int):
            items.append(
                {
                    "offering": offering,
                    "product": product,
                    "quantity": min(max(quantity, 1), MAX_QUANTITY),
                }
            )
    return items


def _cart_save(request: HttpRequest, items: list[dict]) -> None:
    request.session[CART_SESSION_KEY] = items


def _cart_lines(
    items: list[dict], *, currency: str, discount: Decimal = Decimal("0")
) -> tuple[list[CartLine], str]:
    """The cart's lines that can still be bought (sold, for that product) and the total, with
    the partner discount (percent) taken off each price."""
    offerings = {
        o.code: o
        for o in Offering.objects.filter(
            is_sold=True, code__in={i["offering"] for i in items}
        ).prefetch_related("products")
    }
    products = {p.code: p for p in Product.objects.filter(code__in={i["product"] for i in items})}
    lines, total = [], Decimal("0")
    for item in items:
        offering = offerings.get(item["offering"])
        product = products.get(item["product"])
        if offering is None or product is None or product not in offering.products.all():
            continue
        unit = services.price_after_discount(offering.price(currency), discount) or Decimal("0")
        total += unit * item["quantity"]
        lines.append(
            CartLine(
                offering=offering,
                product=product,
                quantity=item["quantity"],
                unit_price=_money(unit, currency),
                line_total=_money(unit * item["quantity"], currency),
            )
        )
    return lines, _money(total, currency)


def _shop_checkout_url(base: str, *, items: list[dict], email: str, currency: str) -> str:
    """The shop's checkout address with the cart (parallel offering/product/quantity
    parameters, one triple per line), the customer's e-mail and the currency appended."""
    parts = urlsplit(base)
    query = parse_qsl(parts.query, keep_blank_values=True)
    for item in items:
        query += [
            ("offering", item["offering"]),
            ("product", item["product"]),
            ("quantity", str(item["quantity"])),
        ]
    query += [("email", email), ("currency", currency)]
    return urlunsplit(parts._replace(query=urlencode(query)))


# --- Pages ------------------------------------------------------------------------------------


@require_GET
def versions(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "entitlements/versions.html",
        {
            "products": selectors.product_versions(customer=request.user),
            "months": lifecycle.SUPPORT_MONTHS_AFTER_SUCCESSOR,
        },
    )


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    support = selectors.support_overview(customer=request.user)
    return render(
        request,
        "entitlements/overview.html",
        {
            "registrations": support.registrations,
            "entitlements": support.entitlements,
            "cart_count": len(_cart_items(request)),
        },
    )


@login_required
def register(request: HttpRequest) -> HttpResponse:
    form = RegistrationForm(
        request.POST or None, initial={"product": request.GET.get("product", "")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            registration, created = services.registration_create(
                customer=request.user,
                product=data["product"],
                kind=data["kind"],
                key=data["key"],
                version=data["version"],
            )
        except ApplicationError as error:
            form.add_error(REGISTRATION_ERROR_FIELDS.get(error.code), error.message)
        else:
            names = {"product": registration.product.name, "key": registration.key}
            trial = getattr(registration, "free_trial", None)
            if created and trial is not None:
                messages.success(
                    request,
                    _(
                        "%(product)s (%(key)s) is registered. Your %(days)s-day Free Trial "
                        "Support has started and runs until %(date)s."
                    )
                    % {
                        **names,
                        "days": (trial.ends_at - trial.starts_at).days,
                        "date": _date(trial.ends_at),
                    },
                )
            elif created:
                messages.info(
                    request,
                    _(
                        "%(product)s (%(key)s) is registered. Your account has already had the "
                        "Free Trial Support of an evaluation of %(product)s, so this evaluation "
                        "starts no new Free Trial."
                    )
                    % names,
                )
            else:
                messages.info(
                    request,
                    _(
                        "%(product)s (%(key)s) was already registered to your account on "
                        "%(date)s. Registering it again does not start a new Free Trial."
                    )
                    % {**names, "date": _date(registration.registered_at)},
                )
            return redirect("entitlements:overview")
    return render(request, "entitlements/register.html", {"form": form})


@login_required
def claim(request: HttpRequest) -> HttpResponse:
    form = OrderClaimForm(request.POST or None)
    if request.method == "POST" and order_claim_limited(request):
        form.add_error(None, _("Too many attempts to claim an order. Please try again in an hour."))
        return render(request, "entitlements/claim.html", {"form": form}, status=429)
    if request.method == "POST" and form.is_valid():
        try:
            order = services.order_claim(
                customer=request.user,
                reference=form.cleaned_data["reference"],
                email=form.cleaned_data["email"],
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Order %(reference)s is linked to your account; its support is listed below.")
                % {"reference": order.reference},
            )
            return redirect("entitlements:overview")
    return render(request, "entitlements/claim.html", {"form": form})


@login_required
@require_GET
def buy(request: HttpRequest) -> HttpResponse:
    category = request.GET.get("category", "")
    if category not in Category.values:
        category = ""
    next_url = _safe_next(request, request.GET.get("next"))
    product = None
    if request.GET.get("product"):
        form = BuyProductForm(request.GET)
        if form.is_valid():
            product = form.cleaned_data["product"]
    else:
        form = BuyProductForm()
    suitable, other = [], []
    if product is not None:
        currency = _currency(request.user)
        for offering in selectors.sold_offerings(product=product):
            card = _offering_card(offering, currency=currency, category=category)
            (suitable if card.suitable else other).append(card)
    return render(
        request,
        "entitlements/buy.html",
        {
            "form": form,
            "product": product,
            "category": category,
            "category_label": _category_label(category) if category else "",
            "next": next_url,
            "suitable": suitable,
            "other": other,
            "cart_count": len(_cart_items(request)),
        },
    )


@login_required
@require_POST
def cart_add(request: HttpRequest) -> HttpResponse:
    form = CartAddForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("This support cannot be added to your cart."))
        return redirect("entitlements:buy")
    offering, product = form.cleaned_data["offering"], form.cleaned_data["product"]
    items = _cart_items(request)
    for item in items:
        if item["offering"] == offering and item["product"] == product:
            item["quantity"] = min(item["quantity"] + 1, MAX_QUANTITY)
            break
    else:
        items.append({"offering": offering, "product": product, "quantity": 1})
    _cart_save(request, items)
    next_url = _safe_next(request, request.POST.get("next"))
    if next_url:
        request.session[CART_NEXT_SESSION_KEY] = next_url
    messages.success(
        request,
        _("%(offering)s for %(product)s is in your cart.")
        % {"offering": form.offering_obj.name, "product": form.product_obj.name},
    )
    return redirect("entitlements:cart")


@login_required
@require_POST
def cart_remove(request: HttpRequest) -> HttpResponse:
    form = CartItemForm(request.POST)
    if form.is_valid():
        offering, product = form.cleaned_data["offering"], form.cleaned_data["product"]
        items = _cart_items(request)
        kept = [i for i in items if (i["offering"], i["product"]) != (offering, product)]
        if len(kept) != len(items):
            _cart_save(request, kept)
            messages.success(request, _("The item was removed from your cart."))
    return redirect("entitlements:cart")


@login_required
@require_GET
def cart(request: HttpRequest) -> HttpResponse:
    currency = _currency(request.user)
    discount = services.support_discount(customer=request.user)
    lines, total = _cart_lines(_cart_items(request), currency=currency, discount=discount)
    next_url = _safe_next(request, request.session.get(CART_NEXT_SESSION_KEY))
    buy_url = reverse("entitlements:buy")
    if lines:
        query = {"product": lines[-1].product.code}
        if next_url:
            query["next"] = next_url
        buy_url = f"{buy_url}?{urlencode(query)}"
    return render(
        request,
        "entitlements/cart.html",
        {
            "lines": lines,
            "total": total,
            "currency": currency,
            "discount": discount,
            "next": next_url,
            "buy_url": buy_url,
            "external_shop": bool(settings.SHOP_CHECKOUT_URL),
        },
    )


@login_required
@require_POST
def checkout(request: HttpRequest) -> HttpResponse:
    currency = _currency(request.user)
    lines, _total = _cart_lines(_cart_items(request), currency=currency)
    if not lines:
        messages.error(request, _("Your cart is empty."))
        return redirect("entitlements:cart")
    items = [line.item for line in lines]
    if settings.SHOP_CHECKOUT_URL:
        # The shop takes the payment and notifies NovaDesk; the cart stays until then.
        return redirect(
            _shop_checkout_url(
                settings.SHOP_CHECKOUT_URL,
                items=items,
                email=request.user.email,
                currency=currency,
            )
        )
    next_url = _safe_next(request, request.POST.get("next")) or _safe_next(
        request, request.session.get(CART_NEXT_SESSION_KEY)
    )
    try:
        order = services.checkout_local(customer=request.user, items=items, currency=currency)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("entitlements:cart")
    request.session.pop(CART_SESSION_KEY, None)
    request.session.pop(CART_NEXT_SESSION_KEY, None)
    if order.customer_id == request.user.pk:
        messages.success(
            request,
            _("Thank you! Order %(reference)s is complete and your support is ready to use.")
            % {"reference": order.reference},
        )
    else:
        messages.warning(
            request,
            _(
                "Order %(reference)s was placed. Its support appears under My support once "
                "your e-mail address is verified."
            )
            % {"reference": order.reference},
        )
    return redirect(next_url or "entitlements:overview")
