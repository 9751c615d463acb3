"""The beta group's pages: enrolling, beta releases seen only by enrolled people, leaving."""

from __future__ import annotations

import pytest
from django.urls import reverse

from betas import services
from betas.models import Enrolment
from telemetry import services as telemetry_services
from tests.betas.conftest import SECRET

OVERVIEW = reverse("betas:overview")


def product_page(product) -> str:
    return reverse("betas:product", args=[product.code])


class TestEnrolling:
    def test_signing_in_comes_first(self, client):
        assert client.get(OVERVIEW).status_code == 302

    def test_a_customer_enrols_with_the_commitment(self, customer_client, customer, product):
        response = customer_client.post(OVERVIEW, {"product": product.code, "commitment": "on"})

        assert response.status_code == 302
        enrolment = Enrolment.objects.get()
        assert enrolment.user == customer and enrolment.organisation is None

    def test_without_participation_the_form_says_what_is_missing(self, customer_client, product):
        response = customer_client.post(OVERVIEW, {"product": product.code})

        assert response.status_code == 400
        assert "require the Customer Experience Programme" in response.content.decode()
        assert not Enrolment.objects.exists()

    def test_an_opted_out_installation_is_named_on_its_field(
        self, customer_client, product, opted_out_installation
    ):
        response = customer_client.post(
            OVERVIEW, {"product": product.code, "installation_id": str(opted_out_installation)}
        )

        assert response.status_code == 400
        assert "does not take part" in response.context["form"].errors["installation_id"][0]

    def test_a_malformed_installation_id_is_explained(self, customer_client, product):
        response = customer_client.post(
            OVERVIEW, {"product": product.code, "installation_id": "not-an-id"}
        )

        assert response.status_code == 400
        assert "An installation ID looks like" in response.content.decode()

    def test_a_partner_without_beta_access_is_told_so(self, client, restricted_partner, product):
        client.force_login(restricted_partner)

        page = client.get(OVERVIEW)
        refused = client.post(OVERVIEW, {"product": product.code, "commitment": "on"})

        assert "Restricted IT (Restricted) does not include beta access" in page.content.decode()
        assert refused.status_code == 403
        assert "does not include beta access" in refused.content.decode()
        assert not Enrolment.objects.exists()


class TestBetaReleases:
    def test_enrolled_people_see_the_beta_with_its_notes(
        self, customer_client, customer, product, beta_release
    ):
        services.enrolment_create(user=customer, product=product, commitment=True)

        overview = customer_client.get(OVERVIEW).content.decode()
        page = customer_client.get(product_page(product))

        assert "22.0" in overview and "Immutable backups to S3." in overview
        assert page.status_code == 200
        assert "Immutable backups to S3." in page.content.decode()

    def test_others_do_not_find_it(self, customer_client, product, beta_release):
        overview = customer_client.get(OVERVIEW).content.decode()

        assert customer_client.get(product_page(product)).status_code == 404
        assert "Immutable backups to S3." not in overview

    def test_every_member_of_an_enrolled_organisation_sees_it(
        self, client, partner, colleague, product, beta_release
    ):
        services.enrolment_create(user=partner, product=product, commitment=True)
        client.force_login(colleague)

        assert client.get(product_page(product)).status_code == 200

    def test_final_releases_are_not_listed_as_betas(
        self, customer_client, customer, product, beta_release, final_release
    ):
        services.enrolment_create(user=customer, product=product, commitment=True)

        content = customer_client.get(product_page(product)).content.decode()

        assert "22.0" in content and "21.9" not in content

    def test_leaving_hides_the_beta_again(self, customer_client, customer, product, beta_release):
        enrolment = services.enrolment_create(user=customer, product=product, commitment=True)

        response = customer_client.post(reverse("betas:leave", args=[enrolment.pk]))

        assert response.status_code == 302
        assert customer_client.get(product_page(product)).status_code == 404

    def test_an_installation_that_leaves_ncep_loses_the_beta(
        self, customer_client, customer, product, beta_release, participating_installation
    ):
        services.enrolment_create(
            user=customer, product=product, installation_id=participating_installation
        )
        assert customer_client.get(product_page(product)).status_code == 200

        telemetry_services.installation_opt_out(
            installation_id=participating_installation, secret=SECRET
        )

        assert customer_client.get(product_page(product)).status_code == 404
        assert "no longer takes part in NCEP" in customer_client.get(OVERVIEW).content.decode()

    def test_someone_elses_enrolment_cannot_be_ended(self, customer_client, partner, product):
        enrolment = services.enrolment_create(user=partner, product=product, commitment=True)

        response = customer_client.post(reverse("betas:leave", args=[enrolment.pk]))

        assert response.status_code == 404
        enrolment.refresh_from_db()
        assert enrolment.is_active

    def test_an_unknown_product_is_not_found(self, customer_client):
        assert customer_client.get(reverse("betas:product", args=["nope"])).status_code == 404


class TestAdmin:
    @pytest.fixture
    def admin_client(self, client):
        from tests.factories import StaffFactory

        client.force_login(StaffFactory(email="lead@novadesk.test", is_superuser=True))
        return client

    def test_staff_end_an_enrolment(self, admin_client, customer, product):
        enrolment = services.enrolment_create(user=customer, product=product, commitment=True)

        admin_client.post(
            reverse("admin:betas_enrolment_changelist"),
            {"action": "end_enrolment", "_selected_action": [enrolment.pk]},
        )

        enrolment.refresh_from_db()
        assert enrolment.left_at is not None

    def test_the_list_needs_the_same_queries_for_2_and_10_enrolments(
        self, admin_client, product, django_assert_max_num_queries
    ):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from tests.factories import UserFactory

        def enrol(count):
            for _ in range(count):
                services.enrolment_create(user=UserFactory(), product=product, commitment=True)

        url = reverse("admin:betas_enrolment_changelist")
        enrol(2)
        with CaptureQueriesContext(connection) as few:
            admin_client.get(url)
        enrol(8)

        with django_assert_max_num_queries(len(few)):
            response = admin_client.get(url)

        assert response.content.decode().count('class="field-basis"') == 10
