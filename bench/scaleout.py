"""Two gunicorn instances on one PostgreSQL database behave as one site.

- shared_session: a session made by logging in on A opens the dashboard on B
  (200 with the coordinator's task force, not the login page), and the same
  the other way round.
- save_visible_on_other_instance: B's task force page and milestone form are
  loaded first (so any per-process cache is warm), then a status is saved
  through A's form (CSRF token and version, as a browser); straight away,
  every one of several requests to B (both of its workers) shows the new
  status and lead partner, and B's form has the new version.

CACHE_URL / REDIS_URL, when set, reach both instances (see bench.server.Gunicorn).
"""

from __future__ import annotations

import html
import os
import secrets

from assessments.models import Status
from bench.common import log
from bench.data import World
from bench.server import Gunicorn, HttpSession, form_values

REQUESTS_ON_B = 6  # spread over B's two workers


def _milestone_row(page: str, milestone_slug: str) -> str:
    """The task force page's list item for one milestone."""
    start = page.find(f'id="milestone-{milestone_slug}"')
    if start < 0:
        return ""
    end = page.find("</li>", start)
    return page[start : end if end > 0 else None]


def run(world: World) -> tuple[dict, list[str]]:
    report: list[str] = []
    shared = [v for v in ("CACHE_URL", "REDIS_URL") if os.environ.get(v)]
    report.append(
        f"cache: {', '.join(shared) + ' passed to both' if shared else 'none configured'}"
    )
    task_force_path = f"/task-forces/{world.task_force_slug}/"
    edit_path = f"{task_force_path}milestones/{world.milestone_slug}/"
    with Gunicorn(name="instance-a") as a, Gunicorn(name="instance-b") as b:
        # Sessions, both ways.
        shared_session = True
        for login_on, use_on, label in ((a, b, "A -> B"), (b, a, "B -> A")):
            session_id = HttpSession(login_on.base).login(world.coordinator)
            dashboard = HttpSession(use_on.base, {"sessionid": session_id}).get("/")
            ok = dashboard.status == 200 and html.escape(world.task_force_name) in dashboard.body
            shared_session &= ok
            report.append(
                f"session {label}: dashboard {dashboard.status}"
                + (f" -> {dashboard.location}" if dashboard.location else "")
                + (" ok" if ok else " FAIL")
            )

        browser_a = HttpSession(a.base)
        browser_a.login(world.coordinator)
        browser_b = HttpSession(b.base, {"sessionid": browser_a.cookies["sessionid"]})
        for _ in range(REQUESTS_ON_B):  # warm whatever B caches
            browser_b.get(task_force_path)
            browser_b.get(edit_path)

        form_page = browser_a.get(edit_path)
        if form_page.status != 200:
            raise RuntimeError(f"A: {edit_path} answered {form_page.status}")
        form = form_values(form_page.body)
        old_status, old_version = form.get("status", ""), int(form.get("version") or 0)
        new_status = Status.LAPSED if old_status == Status.ACHIEVED else Status.ACHIEVED
        marker = f"Scale-out check {secrets.token_hex(4)}"
        saved = browser_a.post(
            edit_path,
            {
                "csrfmiddlewaretoken": form["csrfmiddlewaretoken"],
                "status": new_status,
                "lead_partner": marker,
                "target_date": form.get("target_date", ""),
                "notes": form.get("notes", "").removeprefix("\n").replace("\r\n", "\n"),
                "version": old_version,
            },
        )
        report.append(
            f"save on A: {old_status} -> {new_status}, version {old_version}: "
            f"{saved.status} {saved.location}"
        )
        visible = saved.status == 302 and task_force_path in saved.location

        label = Status(new_status).label
        for i in range(REQUESTS_ON_B):
            page = browser_b.get(task_force_path)
            row = _milestone_row(page.body, world.milestone_slug)
            ok = page.status == 200 and marker in row and f"{label} since" in row
            visible &= ok
            if not ok:
                report.append(f"B task force page, request {i + 1}: new status not shown FAIL")
            edit = browser_b.get(edit_path)
            values = form_values(edit.body) if edit.status == 200 else {}
            ok = (
                values.get("status") == new_status
                and values.get("version") == str(old_version + 1)
                and values.get("lead_partner") == marker
            )
            visible &= ok
            if not ok:
                report.append(
                    f"B form, request {i + 1}: status {values.get('status')!r}, "
                    f"version {values.get('version')!r} FAIL"
                )
        report.append(
            f"B after the save ({REQUESTS_ON_B} page and {REQUESTS_ON_B} form requests): "
            + ("new status, lead partner and version shown ok" if visible else "FAIL")
        )
    for line in report:
        log(f"   {line}")
    return {"shared_session": shared_session, "save_visible_on_other_instance": visible}, report
