"""A prepared download's pages: the waiting page (with the person's recent
downloads), its progress partial polled by htmx, and the file itself."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe
from django_htmx.http import HttpResponseClientRefresh

from assessments.core.prepared_downloads import PreparedDownload, notice_lost_job, still_readable


def _download_for(request: HttpRequest, pk: int) -> PreparedDownload:
    """The person's own download; anyone else's (or an expired one) is a
    404, so its existence is not revealed."""
    download = PreparedDownload.objects.current().filter(pk=pk, user=request.user).first()
    if download is None:
        raise Http404("No such download")
    download.user = request.user  # the same person: their permissions read once
    return notice_lost_job(download)


def _context(download: PreparedDownload) -> dict:
    return {
        "download": download,
        # A file covering a task force its owner may no longer read is not
        # sent (prepare it again: the new one leaves that task force out).
        "readable": still_readable(download) if download.state == "ready" else True,
    }


@require_safe
def prepared_download(request: HttpRequest, pk: int) -> HttpResponse:
    download = _download_for(request, pk)
    recent = PreparedDownload.objects.recent_for(request.user)
    return render(
        request,
        "assessments/core/prepared_download.html",
        {**_context(download), "recent": recent},
    )


@require_safe
def prepared_download_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress part of the waiting page, alone: htmx asks for it every
    second or two until the file is ready or has failed, and then reloads
    the whole page, whose list of recent exports shows the new state too."""
    download = _download_for(request, pk)
    if request.htmx and download.finished:
        return HttpResponseClientRefresh()
    return render(request, "assessments/core/_prepared_download_status.html", _context(download))


@require_safe
def prepared_download_file(request: HttpRequest, pk: int) -> HttpResponse:
    download = _download_for(request, pk)
    if download.state != PreparedDownload.State.READY or not download.file:
        raise Http404("Not ready")
    if not still_readable(download):
        raise PermissionDenied("You can no longer read every task force this file covers.")
    # A prepared report page opens in the browser, as the live page would;
    # everything else is an attachment.
    response = FileResponse(
        download.file.open("rb"),
        as_attachment=not download.content_type.startswith("text/html"),
        filename=download.filename,
        content_type=download.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response
