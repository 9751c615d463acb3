"""The cart kept in the session: what a customer chose to buy, priced, and the way to the shop."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.http import HttpRequest

from entitlements import services
from entitlements.models import Offering, Product
from entitlements.views.display import money

CART_SESSION_KEY = "cart"
CART_NEXT_SESSION_KEY = "cart_next"
MAX_QUANTITY = 100  # what the shop's order notification accepts per item


@dataclass(frozen=True)
class CartLine:
    """One line of the cart as the cart page shows it, with its prices."""

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


def cart_items(request: HttpRequest) -> list[dict]:
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


def cart_save(request: HttpRequest, items: list[dict]) -> None:
    """Keep ``items`` as the cart of this session."""
    request.session[CART_SESSION_KEY] = items


def cart_lines(
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
                unit_price=money(unit, currency),
                line_total=money(unit * item["quantity"], currency),
            )
        )
    return lines, money(total, currency)


def shop_checkout_url(base: str, *, items: list[dict], email: str, currency: str) -> str:
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
