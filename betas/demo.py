"""Demo data: a beta release of NovaBACKUP Professional and a customer in its beta group."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone

from betas import services
from betas.models import Enrolment
from entitlements.models import Product, Release
from portal.core.errors import ApplicationError

DEMO_PRODUCT = "professional"
DEMO_VERSION = "22.0"
DEMO_CUSTOMER = "premium@example.com"
DEMO_NOTES = """\
First beta of NovaBACKUP Professional 22.0.

- Backups to S3-compatible storage with object lock (immutable backups).
- Faster file restore: search the backup catalogue while it is still loading.
- New dashboard with the state of every backup job at a glance.

Known issues: the German help is not complete yet. Please report problems through a support
request with the category "Technical problem" and mention "beta 22.0".
"""


def seed() -> None:
    """Create the beta release and the enrolment once; skip what is missing."""
    product = Product.objects.filter(code=DEMO_PRODUCT).first()
    if product is None:
        return
    Release.objects.get_or_create(
        product=product,
        version=DEMO_VERSION,
        defaults={"released_on": timezone.localdate(), "is_beta": True, "notes": DEMO_NOTES},
    )
    customer = get_user_model().objects.filter(email=DEMO_CUSTOMER).first()
    if customer is None:
        return
    if Enrolment.objects.active().filter(user=customer, product=product).exists():
        return
    try:
        services.enrolment_create(user=customer, product=product, commitment=True)
    except ApplicationError:
        return  # e.g. the account belongs to a partner whose level has no beta access
