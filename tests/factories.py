"""Factories for the models tests need; each builds a valid object with nothing else given."""

from __future__ import annotations

from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from entitlements.models import Offering, Product, Release
from portal.accounts.models import User
from portal.core.models import OutboundEmail

PASSWORD = "correct-horse-battery-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    name = factory.Faker("name")
    language = "en"
    country = "US"
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(self, create: bool, extracted: bool | None, **kwargs) -> None:
        if create and extracted is not False:
            EmailAddress.objects.get_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )


class StaffFactory(UserFactory):
    email = factory.Sequence(lambda n: f"engineer{n}@novadesk.test")
    is_staff = True


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"product-{n}")
    name = factory.LazyAttribute(lambda o: f"NovaBACKUP {o.code.title()}")


class ReleaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Release

    product = factory.SubFactory(ProductFactory)
    version = factory.Sequence(lambda n: f"21.{n}")
    released_on = factory.LazyFunction(lambda: timezone.now().date())


def grant(customer, kind: str, product: str = "professional", *, starts_at=None, quantity=1):
    """Give ``customer`` an entitlement through the service, as an order would."""
    from entitlements.services import entitlement_grant

    return entitlement_grant(
        customer=customer,
        product=Product.objects.get(code=product),
        offering=Offering.objects.get(kind=kind),
        starts_at=starts_at or timezone.now() - timedelta(days=1),
        quantity=quantity,
        source="test",
    )


class OutboundEmailFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutboundEmail

    to = factory.Sequence(lambda n: f"recipient{n}@example.com")
    from_email = "NovaDesk Support <support@novadesk.test>"
    subject = "Your request"
    body_text = "Hello"


class RegistrationFactory(factory.django.DjangoModelFactory):
    """A registration as stored, without the service's checks and without a Free Trial."""

    class Meta:
        model = "entitlements.Registration"

    customer = factory.SubFactory(UserFactory)
    product = factory.LazyFunction(lambda: Product.objects.get(code="professional"))
    kind = "licence"
    key = factory.Sequence(lambda n: f"NBP-STORED-{n:04d}")
    version = "21.2"


def shop_order(
    *,
    email: str = "buyer@example.com",
    purchased_at=None,
    items=(),
    licences=(),
    reference: str | None = None,
    currency: str = "USD",
):
    """Record an order through the signed notification the shop sends; return the order.

    ``items`` are ``(offering, product)`` or ``(offering, product, quantity)`` tuples,
    ``licences`` dicts as the notification carries them (``product``, ``key``, ``version``).
    """
    import json
    import uuid

    from entitlements import services

    purchased_at = purchased_at or timezone.now()
    body = json.dumps(
        {
            "reference": reference or f"CB-{uuid.uuid4().hex[:10].upper()}",
            "email": email,
            "currency": currency,
            "purchased_at": purchased_at.isoformat(),
            "items": [
                {"offering": i[0], "product": i[1], "quantity": i[2] if len(i) > 2 else 1}
                for i in items
            ],
            "licences": list(licences),
        }
    ).encode()
    order, _created = services.order_notification_receive(
        body=body, signature=services.order_signature(body)
    )
    return order


def issued_licence(
    *, key: str, product: str = "professional", version: str = "", purchased_at=None
):
    """The licence with ``key`` as an order of the shop issued it (ordered once, then reused)."""
    from entitlements.models import Licence, licence_key_normalise

    existing = Licence.objects.filter(key=licence_key_normalise(key)).first()
    if existing is not None:
        return existing
    licence = {"product": product, "key": licence_key_normalise(key)}
    if version:
        licence["version"] = version
    order = shop_order(purchased_at=purchased_at, licences=[licence])
    return order.licences.get()
