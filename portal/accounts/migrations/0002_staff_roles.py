"""Create the staff role groups with their permissions (see portal.accounts.roles).

Permissions normally appear only after ``migrate`` has finished (``post_migrate``), so they are
created here first. Apps migrated later get their permissions added by the ``post_migrate``
receiver in portal.accounts.roles, which runs the same sync at the end of every ``migrate``.
"""

from django.db import migrations

from portal.accounts.roles import permissions_create_all, roles_sync


def create_roles(apps, schema_editor):
    using = schema_editor.connection.alias
    permissions_create_all(apps=apps, using=using)
    roles_sync(apps=apps, using=using)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0001_initial"),
        ("teams", "0002_default_teams"),
        ("entitlements", "0003_sort_order_label"),
        ("tickets", "0004_priority"),
    ]

    operations = [
        # Reversing keeps the groups: they may have members.
        migrations.RunPython(create_roles, migrations.RunPython.noop),
    ]
