"""Where a feature answers a question that core or another feature asks,
without either importing the other (the import rule, docs/development.md).

Each feature registers its answers in its own `hooks.py`, which
AssessmentsConfig.ready() imports. Until a feature answers, a question gets
its default: the pages work, without that feature's part.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.dispatch import Signal

# Sent by core's status services inside their transaction, after statuses of
# `task_force_ids` were saved (review cycles mark their submissions started).
statuses_saved = Signal()


class Provider:
    """One function a feature provides; calling the provider calls it."""

    def __init__(self, name: str, default: Callable[..., Any]) -> None:
        self.name = name
        self._default = default
        self._function: Callable[..., Any] | None = None

    def provide(self, function: Callable[..., Any]) -> Callable[..., Any]:
        if self._function is not None:
            raise RuntimeError(f"{self.name} is provided twice.")
        self._function = function
        return function

    def __call__(self, *args, **kwargs) -> Any:
        return (self._function or self._default)(*args, **kwargs)


# Evidence: (task force id, milestone id) pairs with checked evidence, for the
# statewide matrix.
checked_cells = Provider("checked_cells", lambda task_force_ids, milestone_ids: set())
# Evidence: milestone id -> how many of the statuses are achieved without
# evidence, for the gaps page.
achieved_without_evidence = Provider("achieved_without_evidence", lambda statuses: {})
# Review cycles: a task force's report compared with its last submission:
# a dict merged into the report's context.
report_comparison = Provider("report_comparison", lambda task_force: {})
# Help requests: the open requests statewide, for the weekly digest.
open_help_summary = Provider("open_help_summary", lambda: None)
# Team: the open invitations that gave an account its role before it ever
# signed in (reminders skip those accounts).
open_invitations = Provider("open_invitations", lambda: None)

# Sent by core/events.py's events_record inside the transaction of the change
# (review cycles, help requests, the team): `events`, saved Event rows. The
# notifications feature queues the e-mails of those who want them right away.
events_recorded = Signal()
