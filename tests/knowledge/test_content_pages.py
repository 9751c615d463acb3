"""The help centre's product pages: release notes, training, product pages, images, sitemap."""

from __future__ import annotations

import re
import struct
import zlib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from betas import services as beta_services
from entitlements.models import Product, Release
from knowledge import content
from knowledge.models import ArticleImage, ReleaseNote, Training, TrainingKind
from portal.accounts.roles import SUPPORT_ENGINEER, SUPPORT_LEAD
from tests.factories import ProductFactory, ReleaseFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

# 2026-07-01: 21.2 is out, 21.2.1 (2026-08-25) is not yet; 20 is supported until 2026-09-18
# (18 months after 21.0 of 2025-03-18); 19 ended on 2024-11-09 (18 months after 20.0).
TODAY = "2026-07-01T12:00:00+00:00"


@pytest.fixture(autouse=True)
def clock(db):
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def professional(releases) -> Product:
    return Product.objects.get(code="professional")


def release(product: Product, version: str) -> Release:
    return Release.objects.get(product=product, version=version)


@pytest.fixture
def beta(professional) -> Release:
    return ReleaseFactory(
        product=professional,
        version="22.0",
        is_beta=True,
        released_on=datetime(2026, 6, 20).date(),
        notes="Immutable backups.",
    )


def enrolled_customer(product: Product, **fields):
    user = UserFactory(**fields)
    beta_services.enrolment_create(user=user, product=product, commitment=True)
    return user


def section(page: str, product_code: str) -> str:
    """The part of the releases page about one product."""
    start = page.index(f'id="releases-{product_code}"')
    end = page.find('class="release-group"', start)
    return page[start : end if end != -1 else len(page)]


def versions_in(html: str, product_code: str) -> list[str]:
    return re.findall(rf'href="/help/releases/{product_code}/([0-9.]+)/"', html)


# Release notes -------------------------------------------------------------------------------


class TestReleaseList:
    def test_each_product_lists_its_released_versions_newest_first(self, client, professional):
        page = client.get("/help/releases/").content.decode()

        assert versions_in(section(page, "professional"), "professional") == [
            "21.2",
            "21.1",
            "21.0",
            "20.2",
            "20.1",
            "20.0",
            "19.1",
            "19.0",
        ]
        assert "/help/releases/server/21.2/" in page
        assert "21.2.1" not in page  # released in August

    def test_each_release_shows_its_support_status(self, client, professional):
        page = client.get("/help/releases/", {"product": "professional"}).content.decode()

        def status_of(version: str) -> str:
            start = page.index(f'id="release-professional-{version.replace(".", "")}"')
            return page[start : page.index("</article>", start)]

        assert "Supported (current version)" in status_of("21.2")
        assert "Supported until" in status_of("20.2")
        assert '<time datetime="2026-09-18">' in status_of("20.2")
        assert "Was supported until" not in status_of("20.2")
        assert "Was supported until" in status_of("19.1")
        assert '<time datetime="2024-11-09">' in status_of("19.1")

    def test_the_product_filter_shows_one_product(self, client, professional):
        response = client.get("/help/releases/", {"product": "server"})
        page = response.content.decode()

        assert response.status_code == 200
        assert 'id="releases-server"' in page
        assert 'id="releases-professional"' not in page
        assert '<meta name="robots" content="noindex, follow">' in page
        assert 'name="robots"' not in client.get("/help/releases/").content.decode()

    def test_an_unknown_product_in_the_filter_shows_every_product(self, client, professional):
        page = client.get("/help/releases/", {"product": "nope"}).content.decode()

        assert 'id="releases-professional"' in page and 'id="releases-server"' in page

    def test_inactive_products_are_not_listed(self, client, professional):
        ReleaseFactory(product=ProductFactory(code="retired", is_active=False), version="9.0")

        page = client.get("/help/releases/").content.decode()

        assert "releases-retired" not in page


class TestReleaseNotesLanguage:
    @pytest.fixture
    def notes(self, professional) -> None:
        ReleaseNote.objects.create(
            release=release(professional, "21.2"),
            language="en",
            body="**New** scheduler.",
            documentation_url="https://docs.example.com/21.2",
        )
        ReleaseNote.objects.create(
            release=release(professional, "21.2"), language="de", body="**Neuer** Planer."
        )
        ReleaseNote.objects.create(
            release=release(professional, "21.1"), language="en", body="Faster *restores*."
        )

    def test_a_german_reader_gets_the_german_notes(self, client, notes):
        page = client.get(
            "/help/releases/professional/21.2/", HTTP_ACCEPT_LANGUAGE="de"
        ).content.decode()

        assert '<div class="article-body release-body" lang="de">' in page
        assert "<strong>Neuer</strong> Planer." in page
        assert "scheduler" not in page
        assert "release-fallback" not in page
        # The documentation link comes from the English note.
        assert 'href="https://docs.example.com/21.2"' in page

    def test_without_german_notes_the_english_ones_are_shown_with_a_notice(self, client, notes):
        page = client.get(
            "/help/releases/professional/21.1/", HTTP_ACCEPT_LANGUAGE="de"
        ).content.decode()

        assert '<div class="article-body release-body" lang="en">' in page
        assert "<em>restores</em>" in page
        assert 'class="message message-info release-fallback"' in page

    def test_an_english_reader_gets_the_english_notes_without_a_notice(self, client, notes):
        page = client.get(
            "/help/releases/professional/21.2/", HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()

        assert "<strong>New</strong> scheduler." in page
        assert "release-fallback" not in page

    def test_a_release_without_notes_shows_its_plain_text_notes(self, client, professional):
        item = release(professional, "21.0")
        item.notes = "First line\nSecond line"
        item.save()

        page = client.get("/help/releases/professional/21.0/").content.decode()

        assert "First line<br>Second line" in page
        assert "release-fallback" not in page

    def test_the_listing_reports_the_language_and_the_fallback(self, notes):
        [group] = content.release_listing(user=None, language="de", product_code="professional")
        by_version = {entry.release.version: entry for entry in group.releases}

        assert (by_version["21.2"].notes_language, by_version["21.2"].fallback) == ("de", False)
        assert (by_version["21.1"].notes_language, by_version["21.1"].fallback) == ("en", True)
        assert (by_version["21.0"].notes_language, by_version["21.0"].fallback) == ("", False)


class TestBetaReleases:
    def test_an_anonymous_visitor_does_not_see_a_beta(self, client, beta):
        page = client.get("/help/releases/").content.decode()

        assert "22.0" not in page
        assert client.get("/help/releases/professional/22.0/").status_code == 404

    def test_a_customer_outside_the_beta_group_does_not_see_it(self, client, beta):
        client.force_login(UserFactory())

        assert "22.0" not in client.get("/help/releases/").content.decode()
        assert client.get("/help/releases/professional/22.0/").status_code == 404

    def test_an_enrolment_for_another_product_does_not_show_it(self, client, beta):
        client.force_login(enrolled_customer(Product.objects.get(code="server")))

        assert "22.0" not in client.get("/help/releases/").content.decode()
        assert client.get("/help/releases/professional/22.0/").status_code == 404

    def test_an_enrolment_that_left_ncep_does_not_show_it(self, client, beta):
        import uuid

        from telemetry import services as telemetry_services

        installation = uuid.uuid4()
        secret = "installation-secret-0123456789abcdef"
        telemetry_services.installation_opt_in(installation_id=installation, secret=secret)
        user = UserFactory()
        beta_services.enrolment_create(
            user=user, product=beta.product, installation_id=installation
        )
        telemetry_services.installation_opt_out(installation_id=installation, secret=secret)
        client.force_login(user)

        assert "22.0" not in client.get("/help/releases/").content.decode()

    def test_a_participating_beta_member_sees_it(self, client, beta):
        client.force_login(enrolled_customer(beta.product))

        listing = client.get("/help/releases/").content.decode()
        response = client.get("/help/releases/professional/22.0/")
        page = response.content.decode()

        assert versions_in(section(listing, "professional"), "professional")[0] == "22.0"
        assert "22.0" not in section(listing, "server")
        assert response.status_code == 200
        assert '<span class="status status-info">Beta</span>' in page
        assert '<meta name="robots" content="noindex, nofollow">' in page
        assert "Immutable backups." in page


class TestReleaseDetail:
    def test_the_page_has_title_canonical_and_status(self, client, professional, settings):
        response = client.get("/help/releases/professional/20.2/")
        page = response.content.decode()

        assert response.status_code == 200
        assert "<h1 " in page and "NovaBACKUP Professional 20.2</h1>" in page
        assert (
            f'<link rel="canonical" href="{settings.SITE_URL}/help/releases/professional/20.2/">'
            in page
        )
        assert "Supported until" in page
        assert 'name="robots"' not in page
        assert 'href="/help/products/professional/"' in page

    @pytest.mark.parametrize(
        "path",
        [
            "/help/releases/professional/99.9/",
            "/help/releases/professional/21.2.1/",  # not released yet
            "/help/releases/nope/21.2/",
        ],
    )
    def test_an_unknown_or_unreleased_version_is_not_found(self, client, professional, path):
        assert client.get(path).status_code == 404

    def test_a_release_of_an_inactive_product_is_not_found(self, client, professional):
        ReleaseFactory(product=ProductFactory(code="retired", is_active=False), version="9.0")

        assert client.get("/help/releases/retired/9.0/").status_code == 404


# Training ------------------------------------------------------------------------------------


def training(**fields) -> Training:
    fields.setdefault("kind", TrainingKind.VIDEO)
    fields.setdefault("duration_minutes", 30)
    fields.setdefault("url", "https://videos.example.com/x")
    return Training.objects.create(**fields)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


class TestTraining:
    @pytest.fixture
    def catalogue(self, professional) -> dict[str, Training]:
        return {
            "later": training(
                kind="webinar", title="Later webinar", starts_at=at("2026-07-20T15:00:00+00:00")
            ),
            "soon": training(
                kind="webinar",
                title="Soon webinar",
                starts_at=at("2026-07-10T15:00:00+00:00"),
                product=professional,
            ),
            "past": training(
                kind="webinar", title="Past webinar", starts_at=at("2026-06-01T15:00:00+00:00")
            ),
            "video": training(title="Intro video"),
            "hidden": training(
                kind="webinar",
                title="Unpublished webinar",
                starts_at=at("2026-07-12T15:00:00+00:00"),
                is_published=False,
            ),
        }

    def test_the_listing_splits_upcoming_from_recorded(self, catalogue):
        from django.utils import timezone

        listing = content.training_listing(now=timezone.now())

        assert [t.title for t in listing.upcoming] == ["Soon webinar", "Later webinar"]
        assert [t.title for t in listing.recorded] == ["Past webinar", "Intro video"]

    def test_the_page_shows_both_sections(self, client, catalogue):
        page = client.get("/help/training/").content.decode()
        upcoming = page[page.index('id="upcoming"') : page.index('id="recorded"')]
        recorded = page[page.index('id="recorded"') :]

        assert "Soon webinar" in upcoming and "Later webinar" in upcoming
        assert "Past webinar" not in upcoming and "Intro video" not in upcoming
        assert "Past webinar" in recorded and "Intro video" in recorded
        assert "Soon webinar" not in recorded
        assert "Unpublished webinar" not in page
        assert upcoming.index("Soon webinar") < upcoming.index("Later webinar")

    def test_the_filters_narrow_the_listing(self, client, catalogue):
        page = client.get("/help/training/", {"product": "professional"}).content.decode()

        assert "Soon webinar" in page
        assert "Later webinar" not in page
        assert '<meta name="robots" content="noindex, follow">' in page

    def test_an_anonymous_visitor_sees_times_in_the_sites_zone(self, client, catalogue, settings):
        from django.contrib.auth.models import AnonymousUser

        assert content.visitor_zone(user=AnonymousUser()) == ZoneInfo(settings.TIME_ZONE)
        assert content.visitor_zone(user=None) == ZoneInfo(settings.TIME_ZONE)

        page = client.get("/help/training/").content.decode()

        assert '<time datetime="2026-07-10T15:00:00Z">July 10, 2026, 3 p.m.</time>' in page
        assert f"({settings.TIME_ZONE})" in page

    def test_a_signed_in_visitor_sees_times_in_their_teams_zone(self, client, catalogue):
        customer = UserFactory(country="DE", language="en")
        client.force_login(customer)

        assert content.visitor_zone(user=customer) == ZoneInfo("Europe/Berlin")
        page = client.get("/help/training/").content.decode()

        assert '<time datetime="2026-07-10T15:00:00Z">July 10, 2026, 5 p.m.</time>' in page
        assert "(Europe/Berlin)" in page

    def test_an_american_customer_sees_pacific_time(self, client, catalogue):
        client.force_login(UserFactory(country="US", language="en"))

        page = client.get("/help/training/").content.decode()

        assert '<time datetime="2026-07-10T15:00:00Z">July 10, 2026, 8 a.m.</time>' in page
        assert "(America/Los_Angeles)" in page


# Product pages -------------------------------------------------------------------------------


class TestProductPage:
    def test_it_shows_articles_by_category_releases_and_training(
        self, client, professional, make_article, settings
    ):
        make_article(title="Tape not found", slug="tape", category="troubleshooting")
        make_article(title="Schedule a backup", slug="schedule", category="how-to")
        make_article(title="Server only", slug="server-only", products=["server"])
        make_article(title="Entwurf", slug="entwurf", state="draft")
        training(
            kind="webinar",
            title="Professional webinar",
            starts_at=at("2026-07-10T15:00:00+00:00"),
            product=professional,
        )
        training(title="Professional video", product=professional)
        training(title="Server video", product=Product.objects.get(code="server"))

        response = client.get("/help/products/professional/")
        page = response.content.decode()

        assert response.status_code == 200
        assert "<h1>Help for NovaBACKUP Professional</h1>" in page
        assert f'href="{settings.SITE_URL}/help/products/professional/"' in page
        how_to = page.index('id="category-how-to"')
        troubleshooting = page.index('id="category-troubleshooting"')
        assert troubleshooting < page.index('href="/help/tape/"') < how_to
        assert how_to < page.index('href="/help/schedule/"')
        assert "Server only" not in page and "Entwurf" not in page
        releases = page[page.index('id="releases"') : page.index('id="training"')]
        assert versions_in(releases, "professional") == ["21.2", "21.1", "21.0", "20.2", "20.1"]
        assert 'href="/help/releases/?product=professional"' in releases
        assert "Supported (current version)" in releases
        training_part = page[page.index('id="training"') :]
        assert "Professional webinar" in training_part
        assert "Professional video" in training_part
        assert "Server video" not in training_part

    def test_a_beta_member_sees_the_beta_on_the_product_page(self, client, beta):
        assert "22.0" not in client.get("/help/products/professional/").content.decode()

        client.force_login(enrolled_customer(beta.product))
        page = client.get("/help/products/professional/").content.decode()

        assert 'href="/help/releases/professional/22.0/"' in page

    def test_an_unknown_or_inactive_product_is_not_found(self, client, professional):
        ProductFactory(code="retired", is_active=False)

        assert client.get("/help/products/retired/").status_code == 404
        assert client.get("/help/products/nope/").status_code == 404


# Images --------------------------------------------------------------------------------------


def png_bytes() -> bytes:
    """A valid one-pixel PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


ADD_IMAGE = "/admin/knowledge/articleimage/add/"


class TestImages:
    def test_the_admin_accepts_a_real_png(self, admin_client, admin_user, media):
        upload = SimpleUploadedFile("Screen Shot.png", png_bytes(), content_type="image/png")

        response = admin_client.post(ADD_IMAGE, {"file": upload, "alt_text": "The scheduler"})

        assert response.status_code == 302, response.content.decode()
        image = ArticleImage.objects.get()
        assert re.fullmatch(r"[0-9a-f]{32}", image.key)
        assert image.extension == ".png"
        assert image.file.name == f"help/{image.key}.png"
        assert image.uploaded_by == admin_user
        assert (media / "help" / f"{image.key}.png").read_bytes() == png_bytes()

    def test_the_admin_refuses_html_named_png(self, admin_client, media):
        upload = SimpleUploadedFile(
            "evil.png", b"<html><script>alert(1)</script></html>", content_type="image/png"
        )

        response = admin_client.post(ADD_IMAGE, {"file": upload, "alt_text": "Evil"})
        page = response.content.decode()

        assert response.status_code == 200
        assert "is not a PNG, JPEG, GIF or WebP image (whatever its name says)" in page
        assert ArticleImage.objects.count() == 0
        assert not (media / "help").exists() or not any((media / "help").iterdir())

    def test_the_admin_refuses_an_empty_file(self, admin_client, media):
        upload = SimpleUploadedFile("empty.png", b"", content_type="image/png")

        response = admin_client.post(ADD_IMAGE, {"file": upload, "alt_text": "Empty"})

        assert response.status_code == 200
        assert ArticleImage.objects.count() == 0

    def test_the_change_page_shows_the_markdown(self, admin_client, media):
        upload = SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")
        admin_client.post(ADD_IMAGE, {"file": upload, "alt_text": "The scheduler"})
        image = ArticleImage.objects.get()

        page = admin_client.get(
            reverse("admin:knowledge_articleimage_change", args=[image.pk])
        ).content.decode()

        assert f"![The scheduler](/help/images/{image.key}.png)" in page

    def test_an_image_is_served_as_its_type_with_nosniff(self, admin_client, client, media):
        upload = SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")
        admin_client.post(ADD_IMAGE, {"file": upload, "alt_text": "Pixel"})
        image = ArticleImage.objects.get()

        response = client.get(f"/help/images/{image.key}.png")

        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == png_bytes()

    def test_a_wrong_extension_or_key_is_not_found(self, admin_client, client, media):
        upload = SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")
        admin_client.post(ADD_IMAGE, {"file": upload, "alt_text": "Pixel"})
        key = ArticleImage.objects.get().key

        assert client.get(f"/help/images/{key}.jpg").status_code == 404
        assert client.get(f"/help/images/{key}.html").status_code == 404
        assert client.get(f"/help/images/{key}").status_code == 404
        assert client.get(f"/help/images/{key.upper()}.png").status_code == 404
        assert client.get(f"/help/images/{'0' * 32}.png").status_code == 404
        assert client.get(f"/help/images/{key[:-1]}.png").status_code == 404

    def test_a_missing_file_is_not_found(self, client, media):
        ArticleImage.objects.create(
            key="a" * 32, extension=".png", file="help/gone.png", alt_text="Gone"
        )

        assert client.get(f"/help/images/{'a' * 32}.png").status_code == 404


# Training admin ------------------------------------------------------------------------------


class TestTrainingAdmin:
    def form(self, **changes) -> dict:
        data = {
            "kind": "webinar",
            "title": "Restores in depth",
            "description": "",
            "product": "",
            "language": "en",
            "duration_minutes": "45",
            "url": "https://events.example.com/restores",
            "starts_at_0": "",
            "starts_at_1": "",
            "is_published": "on",
        }
        data.update(changes)
        return data

    def test_a_webinar_without_a_start_time_is_refused(self, admin_client):
        response = admin_client.post("/admin/knowledge/training/add/", self.form())

        assert response.status_code == 200
        assert "A webinar needs a start time." in response.content.decode()
        assert Training.objects.count() == 0

    def test_a_webinar_with_a_start_time_and_a_video_without_one_are_saved(self, admin_client):
        webinar = admin_client.post(
            "/admin/knowledge/training/add/",
            self.form(starts_at_0="2026-07-10", starts_at_1="15:00:00"),
        )
        video = admin_client.post(
            "/admin/knowledge/training/add/", self.form(kind="video", title="Intro")
        )

        assert (webinar.status_code, video.status_code) == (302, 302)
        assert Training.objects.count() == 2


# Release note admin and roles ---------------------------------------------------------------


def staff_in(group: str):
    user = StaffFactory()
    user.groups.add(Group.objects.get(name=group))
    return user


class TestRoles:
    def test_a_lead_may_author_release_notes_training_and_images(self, client):
        client.force_login(staff_in(SUPPORT_LEAD))

        for model in ("releasenote", "training", "articleimage"):
            assert client.get(f"/admin/knowledge/{model}/add/").status_code == 200, model

    def test_an_engineer_may_only_read_them(self, client):
        engineer = staff_in(SUPPORT_ENGINEER)
        client.force_login(engineer)

        for model in ("releasenote", "training", "articleimage"):
            assert client.get(f"/admin/knowledge/{model}/add/").status_code == 403, model
            assert client.get(f"/admin/knowledge/{model}/").status_code == 200, model
            for action in ("add", "change", "delete"):
                assert not engineer.has_perm(f"knowledge.{action}_{model}")

    def test_a_lead_saves_a_release_note_with_a_preview(self, client, professional):
        lead = staff_in(SUPPORT_LEAD)
        client.force_login(lead)
        item = release(professional, "21.2")

        response = client.post(
            "/admin/knowledge/releasenote/add/",
            {"release": item.pk, "language": "de", "body": "**Neu**", "documentation_url": ""},
        )
        note = ReleaseNote.objects.get()
        change = client.get(reverse("admin:knowledge_releasenote_change", args=[note.pk]))

        assert response.status_code == 302
        assert "<strong>Neu</strong>" in change.content.decode()


# Sitemap -------------------------------------------------------------------------------------


class TestSitemap:
    def test_it_lists_releases_and_product_pages_but_no_beta(self, client, beta):
        ReleaseFactory(product=ProductFactory(code="retired", is_active=False), version="9.0")

        sitemap = client.get("/sitemap.xml").content.decode()

        assert "/help/releases/professional/21.2/</loc>" in sitemap
        assert "/help/releases/server/19.0/</loc>" in sitemap
        assert "/help/products/professional/</loc>" in sitemap
        assert "/help/products/server/</loc>" in sitemap
        assert "/help/releases/</loc>" in sitemap
        assert "/help/training/</loc>" in sitemap
        assert "/help/releases/professional/22.0/" not in sitemap
        assert "/help/releases/professional/21.2.1/" not in sitemap  # not released yet
        assert "retired" not in sitemap

    def test_every_release_it_lists_has_a_page(self, client, professional, clock):
        # 03:00 UTC on the day 21.2.1 comes out: still the day before in the US team's calendar,
        # which decides what an anonymous (English) visitor sees.
        clock.move_to("2026-08-25T03:00:00+00:00")

        sitemap = client.get("/sitemap.xml", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        paths = re.findall(r"<loc>https?://[^/]+(/help/releases/[^<]+/[^<]+/)</loc>", sitemap)

        assert len(paths) == 6 * 8
        assert all(client.get(path, HTTP_ACCEPT_LANGUAGE="en").status_code == 200 for path in paths)


class TestMarkup:
    @pytest.mark.parametrize(
        "path",
        [
            "/help/releases/",
            "/help/releases/professional/21.2/",
            "/help/training/",
            "/help/products/professional/",
        ],
    )
    def test_ids_are_unique_and_every_label_exists(self, client, professional, path):
        training(
            kind="webinar", title="Webinar", starts_at=at("2026-07-10T15:00:00+00:00"),
            product=professional,
        )  # fmt: skip

        page = client.get(path).content.decode()
        ids = re.findall(r'\sid="([^"]+)"', page)
        labels = re.findall(r'aria-labelledby="([^"]+)"', page)

        assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
        assert set(labels) <= set(ids), set(labels) - set(ids)


def test_addresses_without_a_scheme_are_taken_as_https(admin_client, professional):
    admin_client.post(
        "/admin/knowledge/releasenote/add/",
        {
            "release": release(professional, "21.2").pk,
            "language": "en",
            "body": "Notes",
            "documentation_url": "docs.example.com/21.2",
        },
    )

    assert ReleaseNote.objects.get().documentation_url == "https://docs.example.com/21.2"
