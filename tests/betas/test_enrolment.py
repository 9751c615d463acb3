"""Enrolling in a product's beta group: NCEP participation, who enrols for whom, leaving."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, transaction

from betas import selectors, services
from betas.models import COMMITMENT_VERSION, Enrolment
from portal.core.errors import ApplicationError
from tests.onsite.factories import MembershipFactory, OrganisationFactory


class TestParticipation:
    def test_without_installation_or_commitment_enrolment_is_refused(self, customer, product):
        with pytest.raises(ApplicationError, match="require the Customer Experience") as raised:
            services.enrolment_create(user=customer, product=product)

        assert raised.value.code == "ncep-required"
        assert not Enrolment.objects.exists()

    def test_a_participating_installation_is_accepted(
        self, customer, product, participating_installation
    ):
        enrolment = services.enrolment_create(
            user=customer, product=product, installation_id=participating_installation
        )

        assert enrolment.installation_id == participating_installation
        assert enrolment.committed_at is None and enrolment.organisation is None

    def test_an_opted_out_installation_is_refused(self, customer, product, opted_out_installation):
        with pytest.raises(ApplicationError) as raised:
            services.enrolment_create(
                user=customer, product=product, installation_id=opted_out_installation
            )

        assert raised.value.code == "installation-not-participating"
        assert str(opted_out_installation) in raised.value.message

    def test_an_opted_out_installation_is_refused_even_with_the_commitment(
        self, customer, product, opted_out_installation
    ):
        with pytest.raises(ApplicationError):
            services.enrolment_create(
                user=customer,
                product=product,
                installation_id=opted_out_installation,
                commitment=True,
            )

    def test_an_unknown_installation_is_refused(self, customer, product):
        with pytest.raises(ApplicationError) as raised:
            services.enrolment_create(user=customer, product=product, installation_id=uuid.uuid4())

        assert raised.value.code == "installation-not-participating"

    def test_the_commitment_records_its_version_and_time(self, customer, product):
        enrolment = services.enrolment_create(user=customer, product=product, commitment=True)

        assert enrolment.commitment_version == COMMITMENT_VERSION
        assert enrolment.committed_at == datetime(2027, 1, 4, 10, 0, tzinfo=UTC)
        assert "NCEP" in enrolment.commitment_text

    def test_the_database_refuses_an_enrolment_without_either(self, customer, product):
        with pytest.raises(IntegrityError), transaction.atomic():
            Enrolment.objects.create(user=customer, product=product)


class TestWhoEnrols:
    def test_a_partner_member_enrols_for_the_organisation(self, partner, organisation, product):
        enrolment = services.enrolment_create(user=partner, product=product, commitment=True)

        assert enrolment.organisation == organisation and enrolment.user == partner

    def test_a_level_without_beta_access_is_refused(self, restricted_partner, product):
        with pytest.raises(ApplicationError, match=r"Restricted IT \(Restricted\)") as raised:
            services.enrolment_create(user=restricted_partner, product=product, commitment=True)

        assert raised.value.code == "beta-not-included"
        assert not Enrolment.objects.exists()

    def test_a_member_of_two_organisations_chooses_one(
        self, partner, organisation, beta_level, product
    ):
        second = OrganisationFactory(name="Second Reseller", level=beta_level)
        MembershipFactory(organisation=second, user=partner)

        with pytest.raises(ApplicationError) as raised:
            services.enrolment_create(user=partner, product=product, commitment=True)
        enrolment = services.enrolment_create(
            user=partner, product=product, organisation=second, commitment=True
        )

        assert raised.value.code == "organisation-required"
        assert enrolment.organisation == second

    def test_nobody_enrols_for_an_organisation_they_do_not_belong_to(
        self, customer, partner, organisation, product
    ):
        with pytest.raises(ApplicationError) as raised:
            services.enrolment_create(
                user=customer, product=product, organisation=organisation, commitment=True
            )

        assert raised.value.code == "not-a-member"

    def test_the_same_group_is_joined_once_and_again_after_leaving(
        self, partner, colleague, product
    ):
        first = services.enrolment_create(user=partner, product=product, commitment=True)
        with pytest.raises(ApplicationError) as raised:
            services.enrolment_create(user=colleague, product=product, commitment=True)
        assert raised.value.code == "already-enrolled"

        services.enrolment_leave(enrolment=first, left_by=colleague)
        again = services.enrolment_create(user=colleague, product=product, commitment=True)

        first.refresh_from_db()
        assert first.left_at is not None and first.left_by == colleague
        assert again.is_active

    def test_a_stranger_cannot_end_an_enrolment(self, partner, customer, product):
        enrolment = services.enrolment_create(user=partner, product=product, commitment=True)

        with pytest.raises(ApplicationError):
            services.enrolment_leave(enrolment=enrolment, left_by=customer)

    def test_leaving_twice_is_refused(self, customer, product):
        enrolment = services.enrolment_create(user=customer, product=product, commitment=True)
        services.enrolment_leave(enrolment=enrolment, left_by=customer)

        with pytest.raises(ApplicationError):
            services.enrolment_leave(enrolment=enrolment, left_by=customer)


class TestVisibleEnrolments:
    def test_members_share_their_organisations_enrolment(
        self, partner, colleague, customer, product
    ):
        enrolment = services.enrolment_create(user=partner, product=product, commitment=True)

        assert list(selectors.enrolments_for_user(user=colleague)) == [enrolment]
        assert list(selectors.enrolments_for_user(user=customer)) == []

    def test_an_organisation_that_loses_beta_access_loses_its_enrolments(
        self, partner, organisation, no_beta_level, product
    ):
        services.enrolment_create(user=partner, product=product, commitment=True)
        organisation.level = no_beta_level
        organisation.save()

        assert list(selectors.enrolments_for_user(user=partner)) == []

    def test_enrolments_are_read_in_one_query(
        self, partner, customer, product, django_assert_num_queries
    ):
        services.enrolment_create(user=partner, product=product, commitment=True)

        with django_assert_num_queries(1):
            [enrolment] = selectors.enrolments_for_user(user=partner)
            assert enrolment.product.name and enrolment.organisation.name
