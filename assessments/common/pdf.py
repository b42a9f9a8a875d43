"""PDF from a template: the statewide report and the task force plan."""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string


def render_pdf(context: dict, template: str = "reports/report.html") -> bytes:
    # Imported here: WeasyPrint needs Pango, which only report users need.
    from weasyprint import CSS, HTML

    html = render_to_string(template, {**context, "pdf": True})
    stylesheet = CSS(filename=finders.find("css/report.css"))
    # No base URL and a fetcher that refuses everything: the PDF is built
    # from the HTML and the stylesheet alone, and reaches out to nothing.
    return HTML(string=html, url_fetcher=_refuse_fetch).write_pdf(stylesheets=[stylesheet])


def _refuse_fetch(url: str, *args, **kwargs):
    raise ValueError(f"Reports load no external resources ({url!r}).")
