"""Create the satisfaction survey every installation sends after a closed request."""

from django.db import migrations

from surveys.standard import standard_surveys_create


def create_standard_surveys(apps, schema_editor):
    standard_surveys_create(apps.get_model("surveys", "Survey"), apps.get_model("surveys", "Question"))


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]

    operations = [migrations.RunPython(create_standard_surveys, migrations.RunPython.noop)]
