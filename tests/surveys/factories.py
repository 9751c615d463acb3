"""Factories for survey rows the reports read, without walking a ticket through its lifecycle."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import factory
from django.utils import timezone

from surveys.models import Invitation, Response, Survey
from tests.factories import StaffFactory, UserFactory


def satisfaction() -> Survey:
    return Survey.objects.get(code=Survey.SATISFACTION)


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    survey = factory.LazyFunction(satisfaction)
    customer = factory.SubFactory(UserFactory)
    engineer = factory.SubFactory(StaffFactory)
    language = "en"
    support_kind = "premium"
    token_hash = factory.Sequence(lambda n: hashlib.sha256(f"token-{n}".encode()).hexdigest())
    sent_at = factory.LazyFunction(timezone.now)
    closed_at = factory.SelfAttribute("sent_at")
    expires_at = factory.LazyAttribute(lambda o: o.sent_at + timedelta(days=30))


class ResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Response
        skip_postgeneration_save = True

    invitation = factory.SubFactory(InvitationFactory)
    rating = 4
    submitted_at = factory.LazyAttribute(lambda o: o.invitation.sent_at + timedelta(hours=2))
    updated_at = factory.SelfAttribute("submitted_at")

    @factory.post_generation
    def answered(self, create: bool, extracted, **kwargs) -> None:
        if create:
            Invitation.objects.filter(pk=self.invitation_id).update(answered_at=self.submitted_at)
