"""The status spreadsheet import (check, preview, apply), and prepared
downloads (the waiting page, its progress, the file)."""

from django.urls import path

import assessments.core.converters  # noqa: F401  (registers fmt and planfmt)
from assessments.core import io_views, prepared_views

urlpatterns = [
    path("import/", io_views.import_upload, name="import"),
    path("import/<int:pk>/", io_views.import_preview, name="import_preview"),
    path("import/<int:pk>/progress/", io_views.import_progress, name="import_progress"),
    path("import/<int:pk>/changes.csv", io_views.import_changes, name="import_changes"),
    path("import/<int:pk>/apply/", io_views.import_apply, name="import_apply"),
    path("downloads/<int:pk>/", prepared_views.prepared_download, name="prepared_download"),
    path(
        "downloads/<int:pk>/status/",
        prepared_views.prepared_download_status,
        name="prepared_download_status",
    ),
    path(
        "downloads/<int:pk>/file/",
        prepared_views.prepared_download_file,
        name="prepared_download_file",
    ),
]
