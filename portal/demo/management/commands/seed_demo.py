"""Load the demo data `make run` shows: products, accounts for each role, a Premium plan."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from betas import demo as betas_demo
from entitlements import services as entitlement_services
from entitlements.models import Entitlement, Offering, Product, SupportKind
from knowledge import demo as knowledge_demo
from onsite import demo as onsite_demo
from telemetry import demo as telemetry_demo
from tickets import demo as tickets_demo

if TYPE_CHECKING:
    from portal.accounts.models import User

DEMO_PASSWORD = "novadesk-demo-2026"  # noqa: S105 - printed on purpose, demo accounts only

ACCOUNTS: list[tuple[str, str, str, dict[str, object]]] = [
    # email, name, role, extra fields
    ("admin@novadesk.test", "Ada Admin", "staff admin", {"is_staff": True, "is_superuser": True}),
    (
        "engineer.us@novadesk.test",
        "Sam Carter",
        "support engineer, US team (and the xSP group)",
        {"is_staff": True, "country": "US", "language": "en", "support_team_override": "us"},
    ),
    (
        "engineer.de@novadesk.test",
        "Jonas Weber",
        "support lead, Germany team",
        {"is_staff": True, "country": "DE", "language": "de", "support_team_override": "de"},
    ),
    (
        "premium@example.com",
        "Paula Premium",
        "customer with Premium and Restore Support for Professional",
        {"country": "US", "language": "en", "phone": "+18055550100"},
    ),
    (
        "kunde@example.com",
        "Karla Kunde",
        "customer with Premium Support for Professional, served by the Germany team",
        {"country": "DE", "language": "de"},
    ),
    (
        "nosupport@example.com",
        "Nick Nosupport",
        "customer without any support",
        {"country": "DE", "language": "de"},
    ),
    (
        "partner.tech@example.com",
        "Tina Technik",
        "technical representative of Demo Reseller GmbH (Premium partner)",
        {"country": "DE", "language": "de"},
    ),
    (
        "partner.sales@example.com",
        "Stefan Vertrieb",
        "sales contact of Demo Reseller GmbH (Premium partner)",
        {"country": "DE", "language": "de"},
    ),
]
DEMO_PARTNER = "Demo Reseller GmbH"


class Command(BaseCommand):
    help = "Create or refresh the demo products and accounts (safe to run again)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        added = entitlement_services.catalogue_load()
        users = {email: self._account(email, name, extra) for email, name, _role, extra in ACCOUNTS}
        self._plan(users["premium@example.com"], SupportKind.PREMIUM, source="CB-100001")
        self._plan(users["kunde@example.com"], SupportKind.PREMIUM, source="CB-100004")
        # Bought yesterday: its call to arrange the session waits in the call-back queue.
        self._plan(
            users["premium@example.com"], SupportKind.RESTORE, source="CB-100005", days_ago=1
        )
        self._registrations(users["premium@example.com"])
        engineers = [u for u in users.values() if u.is_staff and not u.is_superuser]
        self._engineer_roles(engineers)
        self._engineer_profiles(engineers)
        self._partner(
            tech=users["partner.tech@example.com"],
            sales=users["partner.sales@example.com"],
            representative=users["engineer.us@novadesk.test"],
        )
        onsite_demo.seed()
        betas_demo.seed()
        requests = tickets_demo.seed(
            customers={"us": users["premium@example.com"], "de": users["kunde@example.com"]},
            engineers={
                "us": users["engineer.us@novadesk.test"],
                "de": users["engineer.de@novadesk.test"],
            },
        )
        reports = telemetry_demo.seed()
        articles = knowledge_demo.seed()

        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({added} catalogue rows added)."))
        if requests:
            self.stdout.write(f"{requests} support requests of the last three weeks opened.")
        if reports:
            self.stdout.write(f"{reports} usage reports of the last 30 days stored and rolled up.")
        self.stdout.write(f"{articles} help-centre articles at {settings.SITE_URL}/help/.")
        self.stdout.write(f"Sign in at {settings.SITE_URL}/ with password '{DEMO_PASSWORD}':")
        for email, _name, role, _extra in ACCOUNTS:
            self.stdout.write(f"  {email:<28} {role}")

    def _account(self, email: str, name: str, extra: dict) -> User:
        User = get_user_model()
        user, created = User.objects.get_or_create(email=email, defaults={"name": name, **extra})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user

    def _plan(self, customer: User, kind: str, *, source: str, days_ago: int = 60) -> None:
        product = Product.objects.get(code="professional")
        if Entitlement.objects.filter(customer=customer, product=product, kind=kind).exists():
            return
        entitlement_services.entitlement_grant(
            customer=customer,
            product=product,
            offering=Offering.objects.get(kind=kind),
            starts_at=timezone.now() - timedelta(days=days_ago),
            source=source,
        )

    def _registrations(self, customer: User) -> None:
        """A current Professional licence and an older Server licence (support ended), each
        sold by a shop order whose licence key the customer then registers."""
        for reference, product, key, version, purchased in [
            (
                "CB-100002",
                "professional",
                "NBP-21-DEMO-0001",
                "21.2",
                timezone.now() - timedelta(days=70),
            ),
            (
                "CB-100003",
                "server",
                "NBS-20-DEMO-0001",
                "20.2",
                timezone.now() - timedelta(days=900),
            ),
        ]:
            entitlement_services.order_record(
                data={
                    "reference": reference,
                    "email": customer.email,
                    "currency": "USD",
                    "purchased_at": purchased,
                    "items": [],
                    "licences": [
                        {
                            "product": Product.objects.get(code=product),
                            "key": key,
                            "version": version,
                        }
                    ],
                },
                payload={"reference": reference, "demo": True},
            )
            entitlement_services.registration_create(
                customer=customer,
                product=product,
                kind="licence",
                key=key,
                version=version,
                registered_at=purchased,
            )

    def _engineer_profiles(self, engineers: list[User]) -> None:
        """Each engineer in their team; the US engineer also forms the xSP group."""
        from teams.models import Team
        from tickets.models import EngineerProfile

        for engineer in engineers:
            profile, _created = EngineerProfile.objects.get_or_create(
                user=engineer, defaults={"team": Team.objects.get(code=engineer.support_team)}
            )
            products = Product.objects.all()
            if engineer.support_team != "us":
                products = products.exclude(code="xsp")
            profile.products.set(products)

    def _engineer_roles(self, engineers: list[User]) -> None:
        """The US engineer works as a support engineer, the German one leads the team."""
        from django.contrib.auth.models import Group

        from portal.accounts import roles

        roles.roles_sync()
        for engineer in engineers:
            name = roles.SUPPORT_LEAD if engineer.support_team == "de" else roles.SUPPORT_ENGINEER
            engineer.groups.add(Group.objects.get(name=name))

    def _partner(self, *, tech: User, sales: User, representative: User) -> None:
        """A Premium partner (every benefit) with two members, the NFR agreement accepted, one NFR
        licence; OnSite Protect and beta demo data come from their apps."""
        import importlib

        from django.apps import apps

        from partners import selectors as partner_selectors
        from partners import services as partner_services
        from partners.models import MemberRole, Membership, NfrLicence, Organisation, PartnerLevel

        # The levels and the NFR agreement come from a data migration; make sure they exist.
        importlib.import_module(
            "partners.migrations.0003_levels_and_nfr_agreement"
        ).create_levels_and_agreement(apps, None)
        organisation, _created = Organisation.objects.get_or_create(
            name=DEMO_PARTNER,
            defaults={
                "level": PartnerLevel.objects.get(code=PartnerLevel.PREMIUM),
                "country": "DE",
                "sales_representative": representative,
            },
        )
        for user, role in ((tech, MemberRole.TECHNICAL), (sales, MemberRole.SALES)):
            Membership.objects.get_or_create(
                organisation=organisation, user=user, defaults={"role": role}
            )
        agreement = partner_selectors.current_agreement()
        if not partner_selectors.has_accepted(user=tech, agreement=agreement):
            partner_services.nfr_agreement_accept(user=tech, agreement=agreement)
        if not NfrLicence.objects.filter(organisation=organisation).exists():
            licence = partner_services.nfr_licence_request(
                user=tech,
                product=Product.objects.get(code="professional"),
                purpose="Demonstrations for customers",
            )
            partner_services.nfr_licence_approve(licence=licence, actor=representative)
