"""Create the three partner levels with their benefits, and version 1 of the NFR agreement.

Both are data: staff edit the benefits of a level (and its NFR allowances) and publish new
agreement versions in the admin. Running this again adds only what is missing.
"""

from datetime import UTC, datetime
from decimal import Decimal

from django.db import migrations

# code, name, rank, pre-sales, post-sales, OnSite Protect, beta access, discount %, NFR per product
LEVELS = [
    ("registered", "Registered", 10, False, False, False, True, Decimal("10"), 1),
    ("certified", "Certified", 20, True, True, False, True, Decimal("20"), 2),
    ("premium", "Premium", 30, True, True, True, True, Decimal("30"), 3),
]

AGREEMENT_V1 = """\
NovaBACKUP not-for-resale (NFR) licence agreement, version 1

1. An NFR licence is issued to a ValueCREATE! partner organisation so that its staff can \
evaluate NovaBACKUP products, train on them and show them to prospective customers.
2. It must not be used to protect production data, neither the partner's own nor a customer's, \
and it must not be sold, rented, lent or passed on.
3. It runs for a fixed evaluation period stated when it is issued. It is not renewed \
automatically; a new licence can be requested within the allowance of the partner's level.
4. It gives no right to technical support. Partners ask for help with customer projects through \
the pre-sales and post-sales services of their level.
5. The vendor may withdraw an NFR licence that is used against these terms.
"""

V1_IN_FORCE_FROM = datetime(2024, 1, 1, tzinfo=UTC)


def create_levels_and_agreement(apps, schema_editor):
    PartnerLevel = apps.get_model("partners", "PartnerLevel")
    NfrAllowance = apps.get_model("partners", "NfrAllowance")
    NfrAgreement = apps.get_model("partners", "NfrAgreement")
    Product = apps.get_model("entitlements", "Product")
    products = list(Product.objects.all())
    for code, name, rank, pre, post, onsite, beta, discount, nfr in LEVELS:
        level, created = PartnerLevel.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "rank": rank,
                "presales_help": pre,
                "postsales_help": post,
                "onsite_protect": onsite,
                "beta_access": beta,
                "support_discount_percent": discount,
            },
        )
        if created:
            NfrAllowance.objects.bulk_create(
                NfrAllowance(level=level, product=product, licences=nfr) for product in products
            )
    NfrAgreement.objects.get_or_create(
        version="1", defaults={"text": AGREEMENT_V1, "effective_from": V1_IN_FORCE_FROM}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0002_applications_invitations_nfr_presales"),
        ("entitlements", "0002_catalogue"),
    ]

    operations = [migrations.RunPython(create_levels_and_agreement, migrations.RunPython.noop)]
