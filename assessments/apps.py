from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Task forces and progress"

    def ready(self) -> None:
        # Connects the receivers, and each feature's answers to core's
        # questions (core/hooks.py) and its reminder (core/reminders.py).
        from assessments import signals  # noqa: F401
        from assessments.cycles import hooks as cycles_hooks  # noqa: F401
        from assessments.evidence import hooks as evidence_hooks  # noqa: F401
        from assessments.help import hooks as help_hooks  # noqa: F401
        from assessments.notifications import reminders  # noqa: F401
        from assessments.register import hooks as register_hooks  # noqa: F401
        from assessments.team import hooks as team_hooks  # noqa: F401
