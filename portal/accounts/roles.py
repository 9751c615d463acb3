"""Staff roles: the permission groups every installation has, defined here and kept in sync.

A group's permissions are exactly what ``ROLES`` lists: ``roles_sync`` runs from a data
migration and again after every ``migrate`` (``post_migrate``), so the permissions of apps
migrated later (surveys, telemetry) join their group as soon as they exist. Changes made to
these four groups in the admin are overwritten by the next ``migrate``; give a person extra
rights through another group or their own permissions instead.

An entry is ``"app_label.codename"``; the codename may end in ``*`` (``"surveys.view_*"``:
every view permission of the app). Permissions that do not exist yet are skipped.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_migrate

if TYPE_CHECKING:
    from django.apps import AppConfig
    from django.apps.registry import Apps

SUPPORT_ENGINEER = "Support engineer"
SUPPORT_LEAD = "Support lead"
SALES = "Sales"
PRODUCT_TEAM = "Product team"

_ENGINEER = [
    # The desk: tickets and what belongs to them; "change" is what the triage actions need.
    "tickets.view_ticket",
    "tickets.change_ticket",
    "tickets.view_message",
    "tickets.change_message",
    "tickets.view_attachment",
    "tickets.change_attachment",
    "tickets.view_inboundemail",
    "tickets.change_inboundemail",
    "tickets.view_ticketevent",
    "tickets.view_engineerprofile",
    # Macros: the team's, read only, and personal ones of their own (see tickets/admin/macros).
    "tickets.view_macro",
    "tickets.keep_personal_macros",
    # What a customer is entitled to, read only: an engineer cannot grant support.
    "entitlements.view_entitlement",
    "entitlements.view_entitlementevent",
    "entitlements.view_order",
    "entitlements.view_orderitem",
    "entitlements.view_registration",
    "entitlements.view_product",
    "entitlements.view_release",
    # The teams' calendars, read only.
    "teams.view_team",
    "teams.view_openinghours",
    "teams.view_closure",
    # OnSite Protect bookings and beta enrolments, read only.
    "onsite.view_booking",
    "betas.view_enrolment",
    # The knowledge base: engineers write and edit articles; publishing is the lead's.
    "knowledge.view_*",
    "knowledge.add_article",
    "knowledge.change_article",
]

_PARTNER_MANAGE = [
    "partners.view_*",
    "partners.add_organisation",
    "partners.change_organisation",
    "partners.add_membership",
    "partners.change_membership",
    "partners.delete_membership",
    "partners.change_invitation",
    "partners.change_application",
    "partners.add_nfragreement",
    "partners.change_nfragreement",
    "partners.change_nfrlicence",
    "partners.change_presalesrequest",
]

ROLES: dict[str, list[str]] = {
    SUPPORT_ENGINEER: _ENGINEER,
    SUPPORT_LEAD: [
        *_ENGINEER,
        # The team macros every engineer answers with.
        "tickets.add_macro",
        "tickets.change_macro",
        "tickets.delete_macro",
        # Grant (the entitlement add view), extend and revoke.
        "entitlements.add_entitlement",
        "entitlements.change_entitlement",
        "entitlements.view_offering",
        # The team's calendar: opening hours and closures are edited on the team's page.
        "teams.change_team",
        "teams.add_openinghours",
        "teams.change_openinghours",
        "teams.delete_openinghours",
        "teams.add_closure",
        "teams.change_closure",
        "teams.delete_closure",
        # The partner programme, read only; OnSite Protect confirmed or declined (with an
        # engineer), beta enrolments ended.
        "partners.view_*",
        "onsite.change_booking",
        "betas.change_enrolment",
        # The survey report (their own team's rows, see surveys.selectors.report_access) and
        # the survey list that leads to it; no invitations, nothing to change.
        "surveys.view_survey",
        "surveys.view_response",
        # The help centre's product content: release notes, training and article images.
        "knowledge.publish_article",
        "knowledge.add_releasenote",
        "knowledge.change_releasenote",
        "knowledge.delete_releasenote",
        "knowledge.add_training",
        "knowledge.change_training",
        "knowledge.delete_training",
        "knowledge.add_articleimage",
        "knowledge.change_articleimage",
        "knowledge.delete_articleimage",
    ],
    SALES: [
        "entitlements.view_order",
        "entitlements.view_orderitem",
        "entitlements.view_entitlement",
        "entitlements.view_entitlementevent",
        "entitlements.view_registration",
        "entitlements.view_product",
        "entitlements.view_offering",
        "tickets.view_ticket",
        "tickets.view_message",
        # The partner programme: organisations and their members, applications, NFR licences
        # and pre-sales requests (the approve, decline and forward actions need "change").
        *_PARTNER_MANAGE,
        "onsite.view_booking",
        "betas.view_enrolment",
    ],
    # Survey answers, usage reports and the beta group; nothing of tickets.
    PRODUCT_TEAM: [
        "surveys.view_*",
        "telemetry.view_*",
        # The beta group: who takes part; beta releases are published in the catalogue.
        "betas.view_*",
        "betas.change_enrolment",
        "entitlements.view_product",
        "entitlements.view_release",
        "entitlements.add_release",
        "entitlements.change_release",
    ],
}


def _matching(spec: list[str], available: dict[tuple[str, str], int]) -> set[int]:
    ids: set[int] = set()
    for entry in spec:
        app_label, codename = entry.split(".", 1)
        if "*" in codename:
            ids.update(
                pk
                for (label, code), pk in available.items()
                if label == app_label and fnmatchcase(code, codename)
            )
        elif (app_label, codename) in available:
            ids.add(available[(app_label, codename)])
    return ids


def roles_sync(*, apps: Apps = global_apps, using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Create the role groups if missing and give each exactly the permissions ``ROLES`` lists.

    Safe to run any number of times; ``apps`` is a migration's app registry or the global one.
    Returns how many permissions each group has.
    """
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    app_labels = {entry.split(".", 1)[0] for spec in ROLES.values() for entry in spec}
    available = {
        (label, codename): pk
        for pk, label, codename in Permission.objects.using(using)
        .filter(content_type__app_label__in=app_labels)
        .values_list("pk", "content_type__app_label", "codename")
    }
    counts = {}
    for name, spec in ROLES.items():
        group, _created = Group.objects.using(using).get_or_create(name=name)
        wanted = _matching(spec, available)
        group.permissions.set(wanted)
        counts[name] = len(wanted)
    return counts


def permissions_create_all(*, apps: Apps = global_apps, using: str = DEFAULT_DB_ALIAS) -> None:
    """Create the content types and permissions of every installed app now.

    Django creates them after ``migrate`` (``post_migrate``); a data migration that needs them
    calls this first. Apps not in ``apps`` (not migrated yet) are skipped.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, apps=apps, verbosity=0, using=using)


def _last_migrated_app() -> str | None:
    labels = [config.label for config in global_apps.get_app_configs() if config.models_module]
    return labels[-1] if labels else None


def _sync_after_migrate(
    sender: AppConfig | None,
    using: str = DEFAULT_DB_ALIAS,
    apps: Apps = global_apps,
    **kwargs: Any,
) -> None:
    # post_migrate is sent once per app, each time after that app's permissions are created:
    # sync once, after the last app, when every permission exists.
    if sender is None or sender.label != _last_migrated_app():
        return
    try:
        apps.get_model("auth", "Group")
    except LookupError:
        return
    # Whichever receiver runs first (this one is connected as soon as the module is imported,
    # which may be before auth connects its own), every app's permissions exist before the sync.
    permissions_create_all(apps=apps, using=using)
    roles_sync(apps=apps, using=using)


# Connected on import: the data migration imports this module, so the receiver is in place
# whenever ``migrate`` or ``flush`` runs. AccountsConfig.ready() should import it as well.
post_migrate.connect(_sync_after_migrate, dispatch_uid="portal.accounts.roles.sync")
