#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taskforce_site.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    # Load the settings first: Django's command runner swallows a settings
    # error and later fails with "Models aren't loaded yet", hiding the
    # message that says what to set.
    try:
        settings.INSTALLED_APPS  # noqa: B018
    except ImproperlyConfigured as error:
        sys.exit(f"Cannot start: {error}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
