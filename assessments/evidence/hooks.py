"""Evidence's answers to the statewide pages' questions (core/hooks.py):
imported by AssessmentsConfig.ready()."""

from assessments.core import hooks
from assessments.evidence import selectors

hooks.checked_cells.provide(selectors.checked_cells)
hooks.achieved_without_evidence.provide(selectors.achieved_without_evidence)
