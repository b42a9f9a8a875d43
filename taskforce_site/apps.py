from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The project itself as an app: security signal receivers, error pages."""

    name = "taskforce_site"
    verbose_name = "Site"

    def ready(self) -> None:
        from taskforce_site import checks, signals  # noqa: F401  (registers them)
