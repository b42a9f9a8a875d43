"""No template syntax reaches a person: a `{# … #}` spanning lines, a
mistyped tag or an unclosed variable is printed as text by Django, so every
page is checked for the markers. Nor does a username: it is a sign-in code,
not a name (assessments/common/people.py)."""

import re
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
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


TAGS = re.compile(r"<[^>]+>")
USERNAME = "signin-code-"
# The admin manages accounts by username, and the invitation's answer page
# tells the invitee the username they sign in with.
USERNAME_SHOWN_ON_PURPOSE = ("admin/", "invitations/accept/")


def _usernames_shown(route: str, html: str, also: re.Pattern | None = None) -> list[str]:
    """The first username in the page's text: one of the renamed accounts',
    or one that `also` matches (the names kept in history before renaming)."""
    if route.startswith(USERNAME_SHOWN_ON_PURPOSE):
        return []
    text = TAGS.sub(" ", SCRIPT_OR_STYLE.sub("", html))
    found = [text.find(USERNAME)]
    if also is not None and (match := also.search(text)):
        found.append(match.start())
    at = min((i for i in found if i >= 0), default=-1)
    return [] if at < 0 else [" ".join(text[max(0, at - 60) : at + 40].split())]


def test_username_detector_reads_the_text_not_the_markup():
    assert _usernames_shown("task-forces/", f"<td>by {USERNAME}coordinator</td>")
    assert not _usernames_shown("task-forces/", f'<input value="{USERNAME}x" hidden>')
    assert not _usernames_shown("admin/auth/user/", f"<td>{USERNAME}x</td>")


# Every route and role over one world, as in tests/site/test_csrf.py: the world
# costs more than the requests, and the failure still names route and role.
def test_no_page_shows_template_syntax_or_a_username(world):
    # Accounts with no full name, the case where a page could fall back on
    # the username; their usernames are easy to find in a page.
    accounts = {**world["users"], "invitee": world["invitation"].user}
    # History keeps the username an account had when it made a change; an
    # e-mail address (user3@example.org) is not one.
    kept = "|".join(re.escape(account.username) for account in accounts.values())
    kept_usernames = re.compile(rf"\b(?:{kept})\b(?!@)")
    for role, account in accounts.items():
        get_user_model().objects.filter(pk=account.pk).update(
            username=f"{USERNAME}{role}", first_name="", last_name=""
        )
    leaks = []
    usernames = []
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
                html = response.content.decode()
                for leak in _leaks(html):
                    leaks.append((route, role, bool(headers), leak))
                for shown in _usernames_shown(route, html, kept_usernames):
                    usernames.append((route, role, shown))
    # Most routes render HTML for someone; a broken world would check nothing.
    assert checked > len(ALL_ROUTES)
    assert leaks == []
    assert usernames == []


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
