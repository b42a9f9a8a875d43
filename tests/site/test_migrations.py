from io import StringIO

from django.core.management import call_command


def test_models_and_migrations_agree(db):
    # Raises SystemExit(1) when a model change has no migration.
    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())
