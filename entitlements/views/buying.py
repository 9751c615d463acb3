"""Buying support: the offerings for a product, the cart, and the checkout."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from entitlements import selectors, services
from entitlements.forms import BuyProductForm, CartAddForm, CartItemForm
from entitlements.models import Category
from entitlements.views.basket import (
    CART_NEXT_SESSION_KEY,
    CART_SESSION_KEY,
    MAX_QUANTITY,
    cart_items,
    cart_lines,
    cart_save,
    shop_checkout_url,
)
from entitlements.views.display import (
    OfferingCard,
    category_label,
    currency_for,
    offering_card,
    safe_next,
)
from portal.core.errors import ApplicationError

if TYPE_CHECKING:
    from portal.core.http import AuthenticatedHttpRequest


@login_required
@require_GET
def buy(request: AuthenticatedHttpRequest) -> HttpResponse:
    category = request.GET.get("category", "")
    if category not in Category.values:
        category = ""
    next_url = safe_next(request, request.GET.get("next"))
    product = None
    if request.GET.get("product"):
        form = BuyProductForm(request.GET)
        if form.is_valid():
            product = form.cleaned_data["product"]
    else:
        form = BuyProductForm()
    suitable: list[OfferingCard] = []
    other: list[OfferingCard] = []
    if product is not None:
        currency = currency_for(request.user)
        for offering in selectors.sold_offerings(product=product):
            card = offering_card(offering, currency=currency, category=category)
            (suitable if card.suitable else other).append(card)
    return render(
        request,
        "entitlements/buy.html",
        {
            "form": form,
            "product": product,
            "category": category,
            "category_label": category_label(category) if category else "",
            "next": next_url,
            "suitable": suitable,
            "other": other,
            "cart_count": len(cart_items(request)),
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
    items = cart_items(request)
    for item in items:
        if item["offering"] == offering and item["product"] == product:
            item["quantity"] = min(item["quantity"] + 1, MAX_QUANTITY)
            break
    else:
        items.append({"offering": offering, "product": product, "quantity": 1})
    cart_save(request, items)
    next_url = safe_next(request, request.POST.get("next"))
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
        items = cart_items(request)
        kept = [i for i in items if (i["offering"], i["product"]) != (offering, product)]
        if len(kept) != len(items):
            cart_save(request, kept)
            messages.success(request, _("The item was removed from your cart."))
    return redirect("entitlements:cart")


@login_required
@require_GET
def cart(request: AuthenticatedHttpRequest) -> HttpResponse:
    currency = currency_for(request.user)
    discount = services.support_discount(customer=request.user)
    lines, total = cart_lines(cart_items(request), currency=currency, discount=discount)
    next_url = safe_next(request, request.session.get(CART_NEXT_SESSION_KEY))
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
def checkout(request: AuthenticatedHttpRequest) -> HttpResponse:
    currency = currency_for(request.user)
    lines, _total = cart_lines(cart_items(request), currency=currency)
    if not lines:
        messages.error(request, _("Your cart is empty."))
        return redirect("entitlements:cart")
    items = [line.item for line in lines]
    if settings.SHOP_CHECKOUT_URL:
        # The shop takes the payment and notifies NovaDesk; the cart stays until then.
        return redirect(
            shop_checkout_url(
                settings.SHOP_CHECKOUT_URL,
                items=items,
                email=request.user.email,
                currency=currency,
            )
        )
    next_url = safe_next(request, request.POST.get("next")) or safe_next(
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
