"""Two gunicorn instances on one PostgreSQL database behave as one site: a
session from either works on the other, and a status saved through A's form
shows at once on B, after B's pages were loaded (see bench/README.md)."""

from __future__ import annotations

import html
import os
import re
import secrets

from assessments.models import Status
from bench.common import log
from bench.data import World
from bench.server import Gunicorn, HttpSession, form_values

REQUESTS_ON_B = 6  # spread over B's two workers


def run(world: World) -> tuple[dict, list[str]]:
    shared = [v for v in ("CACHE_URL", "REDIS_URL") if os.environ.get(v)]
    report = [f"cache: {', '.join(shared) + ' passed to both' if shared else 'none configured'}"]
    task_force_path = f"/task-forces/{world.task_force_slug}/"
    edit_path = f"{task_force_path}milestones/{world.milestone_slug}/"
    with Gunicorn(name="instance-a") as a, Gunicorn(name="instance-b") as b:
        shared_session = True
        for login_on, use_on, label in ((a, b, "A -> B"), (b, a, "B -> A")):
            session_id = HttpSession(login_on.base).login(world.coordinator)
            dashboard = HttpSession(use_on.base, {"sessionid": session_id}).get("/")
            ok = dashboard.status == 200 and html.escape(world.task_force_name) in dashboard.body
            shared_session &= ok
            redirect = f" -> {dashboard.location}" if dashboard.location else ""
            verdict = "ok" if ok else "FAIL"
            report.append(f"session {label}: dashboard {dashboard.status}{redirect} {verdict}")

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

        shown = f"{Status(new_status).label} since"
        expected = {"status": new_status, "version": str(old_version + 1), "lead_partner": marker}
        for i in range(1, REQUESTS_ON_B + 1):
            page = browser_b.get(task_force_path)
            # The task force page's list item for the milestone.
            row = re.search(f'id="milestone-{world.milestone_slug}"(.*?)(</li>|$)', page.body, re.S)
            if not (page.status == 200 and row and marker in row[1] and shown in row[1]):
                visible = False
                report.append(f"B task force page, request {i}: new status not shown FAIL")
            edit = browser_b.get(edit_path)
            values = form_values(edit.body) if edit.status == 200 else {}
            if any(values.get(key) != value for key, value in expected.items()):
                visible = False
                report.append(
                    f"B form, request {i}: status {values.get('status')!r}, "
                    f"version {values.get('version')!r} FAIL"
                )
        report.append(
            f"B after the save ({REQUESTS_ON_B} page and {REQUESTS_ON_B} form requests): "
            + ("new status, lead partner and version shown ok" if visible else "FAIL")
        )
    for line in report:
        log(f"   {line}")
    return {"shared_session": shared_session, "save_visible_on_other_instance": visible}, report
