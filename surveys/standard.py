"""The surveys every installation has. Texts are English; gettext_noop marks them for the catalog.

Used by the data migration (with historical models) and at run time, where a database emptied
by a transactional test gets the satisfaction survey back on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from django.utils.translation import gettext_noop

if TYPE_CHECKING:
    from surveys.models import Question, Survey

    class QuestionSpec(TypedDict):
        """One question of a standard survey, as the Question fields it is created with."""

        kind: str
        text: str
        required: bool

    class SurveySpec(TypedDict):
        """A standard survey: its code, English texts and questions."""

        code: str
        title: str
        intro: str
        questions: list[QuestionSpec]


SATISFACTION_CODE = "satisfaction"

STANDARD_SURVEYS: list[SurveySpec] = [
    {
        "code": SATISFACTION_CODE,
        "title": gettext_noop("Satisfaction after a support request"),
        "intro": gettext_noop(
            "Your request is closed. Please tell us how we did: it takes less than a minute."
        ),
        "questions": [
            {
                "kind": "rating",
                "text": gettext_noop("How satisfied are you with the support you received?"),
                "required": True,
            },
            {
                "kind": "text",
                "text": gettext_noop("Would you like to tell us more? (optional)"),
                "required": False,
            },
        ],
    }
]


def standard_surveys_create(
    survey_model: type[Survey], question_model: type[Question], *, codes: list[str] | None = None
) -> list[Survey]:
    """Create the missing standard surveys with their questions; never touch existing ones."""
    created = []
    for spec in STANDARD_SURVEYS:
        if codes is not None and spec["code"] not in codes:
            continue
        survey, is_new = survey_model.objects.get_or_create(
            code=spec["code"], defaults={"title": spec["title"], "intro": spec["intro"]}
        )
        if is_new:
            question_model.objects.bulk_create(
                question_model(survey=survey, position=position, **question)
                for position, question in enumerate(spec["questions"], start=1)
            )
            created.append(survey)
    return created
