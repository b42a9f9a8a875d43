"""Every page of tests/routes.py fits a 375 px phone: no sideways scrolling.

Each page is opened at 375 px by the roles that may see it (a coordinator
sees the row actions, a program manager the statewide pages and the review
decision), in a world with long agency names, e-mail addresses and links,
statuses of every kind and a partner register, so the pages that grow with
data are measured with data. A page fails when the document is wider than
the viewport: a wide table must stack on a phone, or scroll inside its own
region, and long unbroken strings must wrap.
"""

import datetime
import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from assessments.core import services
from assessments.models import Invitation, MouStatus, Sector, Status, hash_token
from assessments.register import services as register
from stages.models import Milestone
from tests.e2e.support import VIEWPORTS
from tests.factories import EvidenceFactory, PartnerLinkFactory, UserFactory
from tests.routes import ALL_ROUTES, url_for
from tests.site.test_permission_matrix import _expectation

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = VIEWPORTS["375"]

# Answers that are not pages: files, exports, JSON and health checks.
NOT_A_PAGE = re.compile(
    r"\.<fmt:fmt>|\.csv$|\.<planfmt:fmt>|/download/$|/file/$|/status/$|/progress/$"
    r"|/qrcode/$|^(healthz|livez|readyz)$|/evidence/<int:evidence_id>/$"
)
# The roles each page is opened as, when the permission matrix lets them see
# it: the coordinator and the program manager see different actions; the
# others only for the pages neither may open.
PREFERRED = ("coordinator", "program_manager")
FALLBACK = ("admin", "partner", "anonymous")

# Photographed (full page, into e2e-screenshots/) for a person to look at,
# with every page found too wide.
PHOTOGRAPHED = {
    "task-forces/<slug:slug>/": "task-force",
    "task-forces/<slug:slug>/partners/": "register",
    "task-forces/<slug:slug>/sharing/": "sharing",
    "cycles/<int:pk>/task-forces/<slug:slug>/": "cycle-submission",
    "task-forces/<slug:slug>/team/": "team",
    "invitations/": "invitations",
    "task-forces/<slug:slug>/report/": "report",
    "overview/": "statewide-matrix",
}

LONG_EMAIL = "intake.coordinator.for.the.multi-agency.response@countyvictimservices.example.org"
LONG_URL = (
    "https://www.example.org/documents/task-force/memoranda-of-understanding/"
    "2026-signed-multi-agency-memorandum-of-understanding-final-version.pdf"
)


def _pages() -> list[tuple[str, str]]:
    """(route, role) for every page of the site (the Django admin aside)."""
    pages = []
    for route in ALL_ROUTES:
        if route.startswith("admin/") or NOT_A_PAGE.search(route):
            continue
        method, expected = _expectation(route)
        if method != "GET":
            continue
        roles = [role for role in PREFERRED if expected[role] == 200]
        if not roles:
            roles = [role for role in FALLBACK if expected[role] == 200][:1]
        pages += [(route, role) for role in roles]
    return pages


def _add_long_content(world) -> None:
    """What makes pages wide: long names, e-mail addresses and links, a full
    register, statuses with partners and notes, a second coordinator."""
    own, coordinator = world["own"], world["users"]["coordinator"]
    now = timezone.now()
    today = timezone.localdate()
    for slug, status, extra in [
        ("agency-awareness", Status.ACHIEVED, {}),
        ("funded-coordinator", Status.LAPSED, {"notes": "Grant ended in June."}),
        (
            "medical-response-plan",
            Status.IN_PROGRESS,
            {"target_date": today, "lead_partner": "Regional Medical Center Emergency Department"},
        ),
        ("data-collection", Status.PLANNING, {"lead_partner": LONG_EMAIL}),
    ]:
        services.milestone_status_update(
            task_force=own,
            milestone=Milestone.objects.get(slug=slug),
            status=status,
            user=coordinator,
            at=now - datetime.timedelta(days=30),
            **extra,
        )
    sectors = Sector.objects.order_by("pk")
    for number, sector in enumerate(sectors[:4]):
        register.partner_agency_create(
            task_force=own,
            name=f"Multnomah-Clackamas Regional Interagency Coordinating Council {number}",
            sector=sector,
            mou_status=MouStatus.SIGNED,
            mou_signed_on=today - datetime.timedelta(days=300),
            mou_renews_on=today + datetime.timedelta(days=20 + number * 100),
            mou_covers_data_sharing=bool(number % 2),
            contact_name="Maximiliana Featherstonehaugh-Worthington",
            contact_email=LONG_EMAIL,
            contact_phone="+1 (541) 555-0100 ext. 2345",
            shown_to_partners=True,
            user=coordinator,
        )
    register.partner_agency_create(
        task_force=own,
        name="Former Multnomah-Clackamas Regional Interagency Coordinating Council",
        sector=sectors[5],
        contact_email=LONG_EMAIL,
        left_on=today - datetime.timedelta(days=5),
        user=coordinator,
    )
    EvidenceFactory(
        task_force=own,
        milestone=Milestone.objects.get(slug="task-force-mou"),
        url=LONG_URL,
        title="The signed memorandum of understanding",
        shared_with_partners=True,
    )
    PartnerLinkFactory(task_force=own, label="Multnomah County District Attorney's Office")
    colleague = UserFactory(
        username="maximiliana.featherstonehaugh-worthington",
        email=LONG_EMAIL,
        first_name="Maximiliana",
        last_name="Featherstonehaugh-Worthington",
    )
    own.coordinators.add(colleague)
    invitation = Invitation.objects.create(
        user=colleague,
        email=LONG_EMAIL,
        invited_by=world["users"]["admin"],
        expires_at=now + datetime.timedelta(days=7),
        token_hash=hash_token("phone-width-invitation-token-0123456789abcdefghij"),
    )
    invitation.task_forces.add(own)


# The innermost elements that reach past the viewport's right edge (not
# those inside a box that scrolls on its own): what to fix.
_OVERFLOWING = """
() => {
  const width = document.documentElement.clientWidth;
  const clipped = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const overflow = getComputedStyle(up).overflowX;
      if (['auto', 'scroll', 'hidden', 'clip'].includes(overflow)) return true;
    }
    return false;
  };
  const wide = [...document.body.querySelectorAll('*')].filter(
    (el) => el.getBoundingClientRect().right > width + 1 && !clipped(el));
  const leaves = wide.filter((el) => !wide.some((other) => other !== el && el.contains(other)));
  return leaves.slice(0, 3).map((el) => {
    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + [...el.classList].map((c) => '.' + c).join('');
    return `${name} "${el.textContent.trim().replace(/\\s+/g, ' ').slice(0, 40)}"`;
  });
}
"""


def _log_in(context, live_server, user) -> None:
    """The session of a forced login, as the browser's cookie: the pages
    measured here, not the sign-in (which test_journeys.py covers)."""
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_every_page_fits_a_375_px_phone(new_context, world, live_server, screenshot_dir):
    _add_long_content(world)
    contexts = {}

    def page_for(role):
        if role not in contexts:
            context = new_context(viewport=PHONE)
            if role in world["users"]:
                _log_in(context, live_server, world["users"][role])
            contexts[role] = context.new_page()
        return contexts[role]

    too_wide, not_shown = [], []
    checked = 0
    for route, role in _pages():
        page = page_for(role)
        url = url_for(route, world, role)
        response = page.goto(url)
        if response.status != 200:
            not_shown.append(f"{url} as {role}: {response.status}")
            continue
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue
        checked += 1
        width = page.evaluate("() => document.documentElement.scrollWidth")
        name = PHOTOGRAPHED.get(route) or (width > PHONE["width"] and route.strip("/"))
        if name:
            shot = f"phone-{name.replace('/', '_').replace('<', '').replace('>', '')}-{role}.png"
            page.screenshot(path=screenshot_dir / shot, full_page=True, animations="disabled")
        if width > PHONE["width"]:
            culprits = "; ".join(page.evaluate(_OVERFLOWING))
            too_wide.append(f"{url} as {role}: {width} px (past the edge: {culprits})")

    assert not not_shown, "pages that did not open:\n" + "\n".join(not_shown)
    assert checked > 40, f"only {checked} pages measured"
    assert not too_wide, (
        f"{len(too_wide)} page(s) wider than the {PHONE['width']} px viewport:\n"
        + "\n".join(too_wide)
    )
