"""The status spreadsheet import: check, preview, apply."""

from django.urls import path

import assessments.core.converters  # noqa: F401  (registers fmt and planfmt)
from assessments.core import io_views

urlpatterns = [
    path("import/", io_views.import_upload, name="import"),
    path("import/<int:pk>/", io_views.import_preview, name="import_preview"),
    path("import/<int:pk>/progress/", io_views.import_progress, name="import_progress"),
    path("import/<int:pk>/changes.csv", io_views.import_changes, name="import_changes"),
    path("import/<int:pk>/apply/", io_views.import_apply, name="import_apply"),
]
