"""Forms of the customer pages: registering a product, claiming an order, choosing support."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from entitlements.errors import ErrorCode
from entitlements.models import Offering, Product, Registration


class ProductChoiceField(forms.ModelChoiceField):
    """A product chosen by its code (the code is what URLs and the cart carry)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Product.objects.order_by("sort_order", "name"))
        kwargs.setdefault("to_field_name", "code")
        kwargs.setdefault("empty_label", _("Choose a product"))
        super().__init__(**kwargs)


class RegistrationForm(forms.Form):
    product = ProductChoiceField(label=_("Product"))
    kind = forms.ChoiceField(
        label=_("What you register"),
        choices=Registration.Kind.choices,
        help_text=_(
            "A licence key from the order confirmation of a product you bought, an evaluation "
            "ID for a trial."
        ),
    )
    key = forms.CharField(
        label=_("Licence key or evaluation ID"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    version = forms.CharField(
        label=_("Installed version"),
        max_length=20,
        help_text=_("As shown in the program under Help > About, for example 21.2."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class OrderClaimForm(forms.Form):
    reference = forms.CharField(
        label=_("Order reference"),
        max_length=40,
        help_text=_("From the order confirmation of the online shop, for example NOVA-1A2B3C4D."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    email = forms.EmailField(
        label=_("E-mail address used for the purchase"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class BuyProductForm(forms.Form):
    """The product whose support offerings the buy page lists (sent with GET)."""

    product = ProductChoiceField(label=_("Product"))


class CartItemForm(forms.Form):
    """One offering for one product, as the cart's "Remove" button posts it."""

    offering = forms.SlugField(max_length=40)
    product = forms.SlugField(max_length=40)


class CartAddForm(CartItemForm):
    """One offering for one product, as the buy page's "Add to cart" button posts it."""

    offering_obj: Offering | None = None
    product_obj: Product | None = None

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        offering, product = data.get("offering"), data.get("product")
        if offering and product:
            self.offering_obj = Offering.objects.filter(
                code=offering, is_sold=True, products__code=product
            ).first()
            if self.offering_obj is None:
                raise forms.ValidationError(
                    _("This support is not sold for this product."), code=ErrorCode.NOT_SOLD
                )
            self.product_obj = Product.objects.get(code=product)
        return data
