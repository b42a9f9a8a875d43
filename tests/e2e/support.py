"""Helpers shared by the end-to-end tests: logging in, reading progress, axe."""

import json
import re
from pathlib import Path

from playwright.sync_api import Page, expect

PASSWORD = "a-long-test-password"  # what tests.factories.UserFactory sets
AXE_JS = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}

# 1280 px: a laptop; 375 px: a small phone (iPhone SE/mini width).
VIEWPORTS = {"1280": {"width": 1280, "height": 800}, "375": {"width": 375, "height": 812}}


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Log in through the login page, as a person would, and land on the dashboard."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)  # "Password*": crispy marks it required
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1, name="Dashboard")).to_be_visible()


SUMMARY = 'section[aria-labelledby="summary-heading"]'


def achieved_count(page: Page) -> int:
    """N from "N of 28 milestones achieved" in the Progress summary."""
    text = page.locator(SUMMARY).inner_text()
    match = re.search(r"(\d+) of (\d+)\s+milestones achieved", text)
    assert match, f"no 'N of M milestones achieved' in the summary: {text!r}"
    return int(match.group(1))


def stage_progress_value(page: Page, stage_name: str) -> int:
    """The value of one stage's <progress> bar in the Progress summary."""
    bar = page.locator(f'{SUMMARY} progress[aria-label^="{stage_name}:"]')
    return int(bar.get_attribute("value"))


def open_milestone_form(page: Page, milestone) -> None:
    """On a task force page, follow a milestone's link to its edit form.

    Found by where it goes, not by its wording ("Update", "More details"),
    which the page's design may change.
    """
    row = page.locator(f"#milestone-{milestone.slug}")
    row.locator(f'a[href$="/milestones/{milestone.slug}/"]').click()
    expect(page.get_by_role("heading", level=1)).to_have_text(milestone.name)


def update_milestone_status(page: Page, milestone, status_label: str, *, notes: str = "") -> None:
    """On a task force page: open the milestone's form, choose a status, Save,
    and be back on the task force page with a confirmation."""
    open_milestone_form(page, milestone)
    page.get_by_label("Status").select_option(label=status_label)
    if notes:
        page.get_by_label("Internal notes").fill(notes)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(
        page.get_by_role("status").filter(has_text=f"Saved: {milestone.name} is now")
    ).to_be_visible()


# --- axe-core --------------------------------------------------------------

_RUN_AXE = """
async (tags) => {
  const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  const summarise = (found) => found.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({
      target: n.target.map(String),
      html: n.html,
      summary: n.failureSummary,
    })),
  }));
  return {violations: summarise(results.violations), incomplete: summarise(results.incomplete)};
}
"""


def run_axe(page: Page) -> dict[str, list[dict]]:
    """axe's WCAG 2.0/2.1 A and AA results on the current page: "violations",
    and "incomplete" (what axe could not decide and a person should review).

    The site's Content-Security-Policy allows only its own scripts, so
    add_script_tag() works only in a context created with bypass_csp=True.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(_RUN_AXE, AXE_TAGS)


def is_blocking(violation: dict) -> bool:
    """Serious and critical violations fail the test; minor and moderate are reported."""
    return violation["impact"] in BLOCKING_IMPACTS


def describe_violations(found: list[tuple[str, dict]]) -> str:
    """One paragraph per (page, violation): id, impact, help and failing nodes."""
    lines = []
    for page_name, violation in found:
        lines.append(
            f"- [{page_name}] {violation['id']} ({violation['impact']}): {violation['help']}"
            f" <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            lines.append(f"    at {' '.join(node['target'])}: {node['html'][:200]}")
            for summary_line in (node["summary"] or "").splitlines():
                lines.append(f"      {summary_line}")
    return "\n".join(lines)


def dump_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
