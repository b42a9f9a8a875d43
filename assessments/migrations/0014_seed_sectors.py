"""The sectors of the partner register, as issue 14 lists them and in its
order. Admins may rename and add; this only creates what is missing (by
slug), so running it on a database that has them changes nothing."""

from django.db import migrations

SECTORS = [
    ("law-enforcement", "Law enforcement"),
    ("prosecution", "Prosecution"),
    ("victim-services", "Victim services"),
    ("child-welfare", "Child welfare"),
    ("health-care", "Health care"),
    ("behavioral-health", "Behavioral health and substance use treatment"),
    ("housing-and-shelter", "Housing and shelter"),
    ("education", "Education"),
    ("juvenile-justice", "Juvenile justice"),
    ("labor", "Labor"),
    ("tribal-government", "Tribal government"),
    ("culturally-specific-organizations", "Culturally specific organizations"),
    ("survivor-led-organizations", "Survivor-led organizations"),
    ("faith-communities", "Faith communities"),
    ("business", "Business"),
    ("other", "Other"),
]


def seed(apps, schema_editor):
    Sector = apps.get_model("assessments", "Sector")
    for order, (slug, name) in enumerate(SECTORS, start=1):
        Sector.objects.get_or_create(slug=slug, defaults={"name": name, "order": order})


class Migration(migrations.Migration):
    dependencies = [("assessments", "0013_partner_register")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
