"""The beta group demo data: release 22.0 as a beta, and a customer enrolled with a commitment."""

from __future__ import annotations

from betas import demo
from betas.models import Enrolment
from entitlements.models import Release
from tests.factories import UserFactory


def test_the_beta_release_and_the_enrolment_are_created_once(product):
    customer = UserFactory(email=demo.DEMO_CUSTOMER)

    demo.seed()
    demo.seed()

    release = Release.objects.get(product=product, version="22.0")
    assert release.is_beta and release.notes
    enrolment = Enrolment.objects.get()
    assert enrolment.user == customer and enrolment.committed_at is not None


def test_without_the_customer_only_the_release_is_created(product):
    demo.seed()

    assert Release.objects.filter(version="22.0", is_beta=True).exists()
    assert not Enrolment.objects.exists()
