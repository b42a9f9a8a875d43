"""No template syntax reaches a person: a `{# … #}` spanning lines, a
mistyped tag or an unclosed variable is printed as text by Django, so every
page is checked for the markers."""

import re
from pathlib import Path

from django.conf import settings
from django.test import Client

from tests.routes import ALL_ROUTES, ROLES, url_for

# `{{`/`}}` inside a <script> or <style> would be JavaScript or CSS, not ours
# to judge here; none of our pages has any, but vendored widgets might.
SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
MARKERS = ("{#", "#}", "{%", "{{")


def _leaks(html: str) -> list[str]:
    text = SCRIPT_OR_STYLE.sub("", html)
    found = []
    for marker in MARKERS:
        at = text.find(marker)
        if at >= 0:
            found.append(text[max(0, at - 40) : at + 60].replace("\n", " "))
    return found


def test_leak_detector_finds_a_multi_line_comment():
    assert _leaks("<p>{# spans\nlines #}</p>")
    assert _leaks("<p>{{ name </p>")
    assert not _leaks("<p>Lane County</p><script>const a = {{}};</script>")


# Every route and role over one world, as in tests/site/test_csrf.py: the world
# costs more than the requests, and the failure still names route and role.
def test_no_page_shows_template_syntax(world):
    leaks = []
    checked = 0
    for route in ALL_ROUTES:
        for role in ROLES:
            client = Client()
            if role in world["users"]:
                client.force_login(world["users"][role])
            for headers in ({}, {"HX-Request": "true"}):
                response = client.get(url_for(route, world, role), headers=headers)
                if not response.get("Content-Type", "").startswith("text/html"):
                    continue
                if getattr(response, "streaming", False):
                    continue
                checked += 1
                for leak in _leaks(response.content.decode()):
                    leaks.append((route, role, bool(headers), leak))
    # Most routes render HTML for someone; a broken world would check nothing.
    assert checked > len(ALL_ROUTES)
    assert leaks == []


def test_no_template_has_a_comment_spanning_lines():
    # E-mails and partials are not all reachable as pages; the source shows
    # the one mistake the page check above exists for.
    root = Path(settings.BASE_DIR)
    files = [p for p in (root / "templates").rglob("*") if p.is_file()]
    files += [p for p in root.glob("*/templates/**/*") if p.is_file()]
    assert files
    open_comments = [
        f"{path.relative_to(root)}:{number}"
        for path in files
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if line.count("{#") > line.count("#}")
    ]
    assert open_comments == []
