"""Macros in the admin: canned responses, the team's and each engineer's own.

Everyone with access sees the team macros and only their own personal ones. Engineers keep
personal macros (``tickets.keep_personal_macros``); changing team macros takes the model's
add, change and delete permissions (the Support lead role). A macro's placeholders are
checked when it is saved: a name nobody fills in is refused, naming it.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import admin
from django.db.models import Q, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from tickets import macros
from tickets.models import PERSONAL_MACROS_PERMISSION, Macro

PERSONAL = "personal"
TEAM = "team"
SCOPES = {PERSONAL: _("Personal: only you see and use it"), TEAM: _("Team: every engineer")}


def _placeholder_help() -> str:
    return _("Placeholders: %(names)s.") % {
        "names": ", ".join(f"{{{{ {name} }}}}" for name in macros.PLACEHOLDER_NAMES)
    }


class MacroForm(forms.ModelForm):
    """A macro as its owner or a lead edits it; who uses it is chosen, not typed in."""

    scope = forms.ChoiceField(
        label=_("Who uses it"), choices=list(SCOPES.items()), widget=forms.RadioSelect
    )

    class Meta:
        model = Macro
        fields = (
            "title",
            "language",
            "team",
            "is_active",
            "body",
            "awaits_customer",
            "priority",
            "internal_note",
        )

    # The scopes the person editing may choose, set by MacroAdmin.get_form.
    allowed_scopes: tuple[str, ...] = (PERSONAL, TEAM)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scope = cast(forms.ChoiceField, self.fields["scope"])
        scope.choices = [(key, SCOPES[key]) for key in self.allowed_scopes]
        if self.instance.pk is not None:
            scope.initial = PERSONAL if self.instance.is_personal else TEAM
        else:
            scope.initial = self.allowed_scopes[0]
        if "body" in self.fields:
            self.fields["body"].help_text = _placeholder_help()

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        macros.placeholders_check(body)
        return body

    def clean_internal_note(self) -> str:
        note = self.cleaned_data["internal_note"]
        macros.placeholders_check(note)
        return note


class ScopeFilter(admin.SimpleListFilter):
    title = _("who uses it")
    parameter_name = "scope"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [(PERSONAL, _("personal (mine)")), (TEAM, _("team"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Macro]) -> QuerySet[Macro]:
        if self.value() == PERSONAL:
            return queryset.filter(owner__isnull=False)
        if self.value() == TEAM:
            return queryset.filter(owner__isnull=True)
        return queryset


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    form = MacroForm
    list_display = (
        "title",
        "language",
        "team_column",
        "owner_column",
        "awaits_customer",
        "priority",
        "is_active",
        "updated_at",
    )
    list_filter = ("language", ScopeFilter, "team", "is_active")
    list_select_related = ("team", "owner")
    search_fields = ("title", "body")
    ordering = ("title", "pk")
    readonly_fields = ("owner", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("title", "scope", "language", "team", "is_active")}),
        (_("Reply"), {"fields": ("body",)}),
        (
            _("What else sending it does"),
            {"fields": ("awaits_customer", "priority", "internal_note")},
        ),
    )

    # --- Who may do what ------------------------------------------------------------------

    def _keeps_personal(self, request: HttpRequest) -> bool:
        return request.user.has_perm(PERSONAL_MACROS_PERMISSION)

    def _may(self, request: HttpRequest, action: str) -> bool:
        return request.user.has_perm(f"tickets.{action}_macro")

    def _own(self, request: HttpRequest, obj: Macro) -> bool:
        return obj.owner_id == request.user.pk or request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Macro | None = None) -> bool:
        if obj is not None and obj.is_personal and not self._own(request, obj):
            return False
        return (self._may(request, "view") or self._may(request, "change")) or self._keeps_personal(
            request
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may(request, "add") or self._keeps_personal(request)

    def has_change_permission(self, request: HttpRequest, obj: Macro | None = None) -> bool:
        if obj is None:
            return self._may(request, "change") or self._keeps_personal(request)
        if obj.is_personal:
            return self._own(request, obj) and (
                self._keeps_personal(request) or self._may(request, "change")
            )
        return self._may(request, "change")

    def has_delete_permission(self, request: HttpRequest, obj: Macro | None = None) -> bool:
        if obj is None:
            return self._may(request, "delete") or self._keeps_personal(request)
        if obj.is_personal:
            return self._own(request, obj) and (
                self._keeps_personal(request) or self._may(request, "delete")
            )
        return self._may(request, "delete")

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        # Deleting several at once is for those who may delete team macros too.
        if not self._may(request, "delete"):
            actions.pop("delete_selected", None)
        return actions

    # --- The list and the form ------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet[Macro]:
        queryset = super().get_queryset(request).select_related("team", "owner")
        if request.user.is_superuser:
            return queryset
        return queryset.filter(Q(owner__isnull=True) | Q(owner_id=request.user.pk))

    def get_fieldsets(self, request: HttpRequest, obj: Macro | None = None) -> Any:
        if obj is None:
            return self.fieldsets
        return (*self.fieldsets, (_("Record"), {"fields": ("owner", "created_at", "updated_at")}))

    def get_form(
        self, request: HttpRequest, obj: Macro | None = None, change: bool = False, **kwargs: Any
    ) -> type[ModelForm]:
        form = cast(type[MacroForm], super().get_form(request, obj, change, **kwargs))
        scopes = []
        if self._keeps_personal(request) or self._may(request, "add"):
            scopes.append(PERSONAL)
        if self._may(request, "add" if obj is None else "change"):
            scopes.append(TEAM)
        if obj is not None and not obj.is_personal and TEAM not in scopes:
            scopes.append(TEAM)  # a team macro shown to someone who may only read it
        form.allowed_scopes = tuple(scopes) or (PERSONAL,)
        return form

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        language = translation.get_language() or settings.LANGUAGE_CODE
        if language in dict(settings.LANGUAGES):
            initial.setdefault("language", language)
        return initial

    def save_model(self, request: HttpRequest, obj: Macro, form: ModelForm, change: bool) -> None:
        if form.cleaned_data.get("scope") == TEAM:
            obj.owner = None
        elif obj.owner_id is None:
            # A new personal macro, or a team macro made personal: it is the editor's.
            obj.owner_id = request.user.pk
        super().save_model(request, obj, form, change)

    # --- Columns --------------------------------------------------------------------------

    @admin.display(description=_("team"), ordering="team__name")
    def team_column(self, obj: Macro) -> str:
        return obj.team.name if obj.team else str(_("every team"))

    @admin.display(description=_("who uses it"), ordering="owner")
    def owner_column(self, obj: Macro) -> str:
        return str(obj.owner) if obj.owner else str(_("team"))

    @admin.display(description=_("Who uses it"))
    def scope(self, obj: Macro) -> str:
        return str(SCOPES[PERSONAL if obj.is_personal else TEAM])
