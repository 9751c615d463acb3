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
