"""Hostile input: arbitrary text, huge values, unicode, NUL bytes and wrong
types in every form field and URL parameter. Never a 500; never a partial
save (either the whole change is saved or nothing is)."""

import re
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls.converters import get_converters
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from assessments.models import ImportBatch, MilestoneStatus, PartnerLink
from tests import xlsx_files
from tests.login import login_data
from tests.routes import ALL_ROUTES, VALID_TOKEN, url_for


@pytest.fixture
def world(shared_world):
    # Every test here reads the same world: it is built once for the module.
    return shared_world


# Each example shares the test's database; properties are checked against the
# state just before each request.
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

hostile_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
    st.sampled_from(
        [
            "\x00",
            "achieved\x00",
            "x" * 100_000,
            "<script>alert(1)</script>",
            "'; DROP TABLE assessments_milestonestatus; --",
            "../../etc/passwd",
            "2027-02-30",
            "9999-12-31",
            "0000-00-00",
            "١٢٣",  # Arabic-Indic digits
            "🙂" * 500,
            "achieved",
            "lapsed",
            "",
        ]
    ),
)
# Wrong types: numbers and lists arrive as text or as repeated fields.
hostile_value = st.one_of(
    hostile_text,
    st.integers().map(str),
    st.floats(allow_nan=True).map(str),
    st.lists(hostile_text, max_size=3),
)


# Plausible values too, so that the "saved" half of the property is exercised.
plain_text = st.text(alphabet=st.characters(exclude_categories=("Cs", "Cc")), max_size=60)
valid_status = st.sampled_from(["not_started", "planning", "in_progress", "achieved", "lapsed"])
valid_date = st.one_of(st.just(""), st.dates().map(lambda d: d.isoformat()))


def _mostly(valid):
    return st.one_of(valid, valid, valid, hostile_value)


def _record_values(record):
    return (record.status, record.notes, record.lead_partner, record.target_date)


@FUZZ
@given(
    version=st.one_of(st.just(None), st.just(None), hostile_value),
    status=_mostly(valid_status),
    notes=_mostly(plain_text),
    lead_partner=_mostly(plain_text),
    target_date=_mostly(valid_date),
)
def test_status_form_saves_all_or_nothing(world, version, status, notes, lead_partner, target_date):
    client = Client()
    client.force_login(world["users"]["coordinator"])
    record = MilestoneStatus.objects.get()
    before = _record_values(record)
    data = {
        "status": status,
        "notes": notes,
        "lead_partner": lead_partner,
        "target_date": target_date,
        # None: the version the page was rendered with, as a browser sends it.
        "version": record.version if version is None else version,
    }
    response = client.post(f"/task-forces/{world['own'].slug}/milestones/task-force-mou/", data)
    assert response.status_code in (200, 302, 409)
    event(f"status form answered {response.status_code}")
    record.refresh_from_db()
    assert MilestoneStatus.objects.count() == 1
    if response.status_code in (200, 409):
        assert _record_values(record) == before
    else:
        # Saved: every field holds what was posted, nothing half-applied.
        def last(value):
            # A list posts the field repeatedly (the form reads the last one);
            # an empty list leaves the field out (read as blank).
            if isinstance(value, list):
                return value[-1] if value else ""
            return value

        assert record.status == last(status)
        assert record.notes == last(notes).strip().replace("\r\n", "\n")
        assert record.lead_partner == last(lead_partner).strip()


@FUZZ
@given(label=hostile_value, expires_on=hostile_value)
def test_partner_link_form_creates_one_link_or_none(world, label, expires_on):
    client = Client()
    client.force_login(world["users"]["coordinator"])
    before = PartnerLink.objects.count()
    response = client.post(
        f"/task-forces/{world['own'].slug}/sharing/",
        {"label": label, "expires_on": expires_on},
    )
    assert response.status_code in (200, 201)
    event(f"link form answered {response.status_code}")
    assert PartnerLink.objects.count() == before + (1 if response.status_code == 201 else 0)


@FUZZ
@given(username=hostile_value, password=hostile_value)
def test_login_form_never_fails(db, username, password):
    response = Client().post("/accounts/login/", login_data(username, password))
    assert response.status_code in (200, 429)


@FUZZ
@given(email=hostile_value)
def test_password_reset_form_never_fails(db, email):
    response = Client().post("/accounts/password_reset/", {"email": email})
    assert response.status_code in (200, 302)


PARAMETRISED = [route for route in ALL_ROUTES if "<" in route and not route.startswith("admin/")]
PARAMETER = re.compile(r"<(?:(\w+):)?\w+>")

# Values that once broke a view, by converter: a number past 64 bits reaches
# the database as an overflow, a NUL byte is refused by PostgreSQL.
EDGE_VALUES = {
    "int": ["0", "9" * 40, "0000000001"],
    "slug": ["-", "_", "x" * 2000],
    "str": ["\x00", "achieved\x00", "x" * 2000],
    "path": ["\x00", "../../etc/passwd"],
}


def _parameter_value(converter: str):
    """Mostly values the URL pattern accepts, so the request reaches the view
    and its lookups (any other text stops at the resolver with a 404, which
    the rest of the mix still checks)."""
    regex = get_converters()[converter].regex
    return st.one_of(
        st.from_regex(f"(?:{regex})", fullmatch=True),
        st.from_regex(f"(?:{regex})", fullmatch=True),
        st.sampled_from(EDGE_VALUES.get(converter, ["x"])),
        hostile_text,
    )


@pytest.mark.parametrize("route", PARAMETRISED)
def test_url_parameters_never_fail(world, route):
    client = Client()
    client.force_login(world["users"]["admin"])
    converters = [match.group(1) or "str" for match in PARAMETER.finditer(route)]

    @settings(FUZZ, max_examples=25)
    @given(values=st.tuples(*(_parameter_value(converter) for converter in converters)))
    def check(values):
        # Each URL parameter gets its own value, in order.
        given_values = iter(values)
        path = "/" + PARAMETER.sub(lambda _: quote(next(given_values), safe="") or "x", route)
        response = client.get(path)
        assert response.status_code in (200, 302, 404, 405), path

    check()


@FUZZ
@given(page=hostile_text)
def test_dashboard_page_parameter_never_fails(world, page):
    client = Client()
    client.force_login(world["users"]["admin"])
    assert client.get("/", {"page": page}).status_code == 200


# Query strings, cookies and malformed spreadsheets: whatever arrives, the
# answer is never a 500 (NUL bytes once reached PostgreSQL through
# ?stage=, ?region= and the session cookie; "²" passed isdigit()).

QUERY_KEYS = ["page", "stage", "person", "region", "sort", "next", "q", "o", "e", "p", "all"]
hostile_query = st.dictionaries(
    st.one_of(st.sampled_from(QUERY_KEYS), st.text(min_size=1, max_size=10)),
    st.one_of(hostile_text, st.just("²"), st.just("%00")),
    max_size=4,
)


def _get_routes(world) -> list[str]:
    return sorted({url_for(route, world, "admin") for route in ALL_ROUTES})


@settings(FUZZ, max_examples=200)  # about 100 routes to cover
@given(data=st.data(), query=hostile_query)
def test_query_strings_never_fail(world, data, query):
    client = Client(raise_request_exception=False)
    client.force_login(world["users"]["admin"])
    path = data.draw(st.sampled_from(_get_routes(world)))
    # "format=pdf" renders a PDF: slow, and only ever compared with "pdf".
    query.pop("format", None)
    response = client.get(path, query)
    event(f"answered {response.status_code}")
    assert response.status_code < 500, (path, query)


SWEEP_VALUES = ["\x00", "²", "-1", "99999999999999999999", "x" * 2000, "' OR 1=1 --"]


def test_every_route_survives_each_hostile_value_in_every_parameter(world):
    """The fuzz above samples; this covers every route, each parameter set
    to each value that once gave a 500 somewhere."""
    client = Client(raise_request_exception=False)
    client.force_login(world["users"]["admin"])
    failures = []
    for path in _get_routes(world):
        for value in SWEEP_VALUES:
            response = client.get(path, dict.fromkeys(QUERY_KEYS, value))
            if response.status_code >= 500:
                failures.append((path, value, response.status_code))
    assert failures == []


# Anything a client can put in a Cookie header (WSGI hands it over as text).
cookie_header = st.lists(
    st.tuples(
        st.one_of(
            st.sampled_from(["sessionid", "csrftoken", "messages", "axes"]),
            st.text(max_size=10),
        ),
        st.one_of(hostile_text, st.just('"abcdefgh\\000ijk"')),
    ),
    max_size=4,
).map(
    # A server hands WSGI the header's bytes as Latin-1 text: UTF-8 sent by a
    # client arrives as mojibake, never as characters past U+00FF.
    lambda pairs: "; ".join(f"{n}={v}" for n, v in pairs).encode().decode("latin-1")
)


@FUZZ
@given(cookies=cookie_header, signed_in=st.booleans(), data=st.data())
def test_cookies_never_fail(world, cookies, signed_in, data):
    client = Client(raise_request_exception=False)
    if signed_in:
        client.force_login(world["users"]["coordinator"])
        session = client.cookies["sessionid"].value
        cookies = f"{cookies}; sessionid={session}" if data.draw(st.booleans()) else cookies
    path = data.draw(
        st.sampled_from(["/", "/accounts/login/", "/healthz", f"/p/{VALID_TOKEN}/", "/import/"])
    )
    response = client.get(path, HTTP_COOKIE=cookies)
    event(f"answered {response.status_code}")
    assert response.status_code < 500, (path, cookies)


def _valid_sheet() -> str:
    """A sheet that imports: its A2 is the shared string naming the task force."""
    return xlsx_files.sheet(
        xlsx_files.header_row()
        + '<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="inlineStr"><is><t>'
        'task-force-mou</t></is></c><c r="C2" t="str"><v>achieved</v></c>'
        '<c r="E2" t="d"><v>2027-06-30</v></c><c r="F2" t="n"><v>1.5</v></c></row>',
        dimension="A1:F2",
    )


def _mutated(text: str, data) -> str:
    """The text with a piece cut out, something hostile put in, or both."""
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, min(len(text), start + 40)))
    insert = data.draw(
        st.one_of(
            st.just(""),
            hostile_text,
            st.sampled_from(
                ['r="ZZZZZZ1"', 't="s"', 't="d"', 't="n"', "<v>abc</v>", "<v>99</v>", "<row>"]
                + ['r="1048576"', "<!DOCTYPE x [<!ENTITY a 'b'>]>", "&a;", "</sheetData>"]
            ),
        )
    )
    return text[:start] + insert + text[end:]


@settings(FUZZ, max_examples=100)
@given(part=st.sampled_from(["sheet", "workbook", "shared string", "none"]), data=st.data())
def test_xlsx_files_from_malformed_xml_are_refused_not_500(world, part, data):
    client = Client(raise_request_exception=False)
    client.force_login(world["users"]["coordinator"])
    own = world["own"].slug
    sheet, workbook, strings = _valid_sheet(), xlsx_files.WORKBOOK, [own]
    if part == "sheet":
        sheet = _mutated(sheet, data)
    elif part == "workbook":
        workbook = _mutated(workbook, data)
    elif part == "shared string":
        strings = [_mutated(own, data)]
    content = xlsx_files.xlsx(sheet, workbook=workbook, shared_strings=strings)
    batches = ImportBatch.objects.count()
    response = client.post("/import/", {"file": SimpleUploadedFile("fuzz.xlsx", content)})
    event(f"import answered {response.status_code}")
    assert response.status_code in (302, 400)
    assert ImportBatch.objects.count() == batches + (1 if response.status_code == 302 else 0)
