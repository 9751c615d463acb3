"""Create the products and support offerings every installation needs (edit them in the admin)."""

from django.db import migrations

from entitlements.catalogue import OFFERINGS, PRODUCTS


def create_catalogue(apps, schema_editor):
    Product = apps.get_model("entitlements", "Product")
    Offering = apps.get_model("entitlements", "Offering")
    products = {}
    for order, (code, name) in enumerate(PRODUCTS):
        products[code], _ = Product.objects.get_or_create(
            code=code, defaults={"name": name, "sort_order": order}
        )
    for order, spec in enumerate(OFFERINGS):
        fields = {k: v for k, v in spec.items() if k not in ("code", "products")}
        offering, created = Offering.objects.get_or_create(
            code=spec["code"], defaults={**fields, "sort_order": order}
        )
        if created:
            offering.products.set([products[code] for code in spec["products"]])


class Migration(migrations.Migration):
    dependencies = [("entitlements", "0001_initial")]

    operations = [migrations.RunPython(create_catalogue, migrations.RunPython.noop)]
