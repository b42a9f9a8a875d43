"""Help requests' answer to the digest's question (core/hooks.py):
imported by AssessmentsConfig.ready()."""

from assessments.core import hooks
from assessments.help import selectors

hooks.open_help_summary.provide(selectors.open_help_summary)
