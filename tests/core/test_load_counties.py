import csv
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from assessments.models import Area
from tests.factories import AreaFactory, TaskForceFactory

pytestmark = pytest.mark.django_db

CENSUS_DIR = settings.BASE_DIR / "fixtures" / "census"


def load(*args: str) -> str:
    out = StringIO()
    call_command("load_counties", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def fips_of(state: str) -> dict[str, str]:
    return dict(Area.objects.filter(state=state).values_list("name", "fips"))


def test_loads_the_36_counties_of_oregon_with_their_fips_codes():
    output = load("--state", "OR")

    counties = fips_of("OR")
    assert len(counties) == 36
    assert counties["Lane County"] == "41039"
    assert counties["Multnomah County"] == "41051"
    assert counties["Wheeler County"] == "41069"
    assert all(fips.startswith("41") and len(fips) == 5 for fips in counties.values())
    assert set(Area.objects.values_list("kind", flat=True)) == {Area.Kind.COUNTY}
    assert "36 created, 0 updated, 0 unchanged" in output


def test_a_second_run_creates_and_changes_nothing():
    load("--state", "OR")
    first = set(Area.objects.values_list("pk", "name", "fips"))

    output = load("--state", "OR")

    assert set(Area.objects.values_list("pk", "name", "fips")) == first
    assert Area.objects.count() == 36
    assert "0 created, 0 updated, 36 unchanged" in output


def test_state_codes_are_case_insensitive():
    load("--state", "or")

    assert Area.objects.filter(state="OR").count() == 36
    assert not Area.objects.filter(state="or").exists()


def test_several_states_at_once():
    output = load("--state", "OR", "--state", "wa")

    assert Area.objects.filter(state="OR").count() == 36
    assert Area.objects.filter(state="WA").count() == 39
    assert fips_of("WA")["King County"] == "53033"
    assert "75 created" in output


def census_fips_with_a_state() -> set[str]:
    with (CENSUS_DIR / "states.csv").open(encoding="utf-8") as file:
        statefps = {row["fips"] for row in csv.DictReader(file)}
    with (CENSUS_DIR / "counties_2020.csv").open(encoding="utf-8") as file:
        return {
            row["statefp"] + row["countyfp"]
            for row in csv.DictReader(file)
            if row["statefp"] in statefps
        }


def test_all_loads_every_county_in_a_few_queries(django_assert_max_num_queries):
    # One read and a handful of batched writes, however many counties: SQLite
    # caps parameters per statement, so it needs more batches than PostgreSQL.
    with django_assert_max_num_queries(25):
        output = load("--all")

    loaded = set(Area.objects.values_list("fips", flat=True))
    assert len(loaded) > 3000
    assert loaded == census_fips_with_a_state()
    assert Area.objects.count() == len(loaded)
    assert f"{len(loaded):,} created" in output

    with django_assert_max_num_queries(5):
        output = load("--all")
    assert f"0 created, 0 updated, {len(loaded):,} unchanged" in output


def test_a_code_listed_under_several_names_gets_its_current_name():
    load("--state", "NY", "--state", "SD", "--state", "DC")

    assert fips_of("NY")["Kings County"] == "36047"
    assert fips_of("NY")["New York County"] == "36061"
    assert fips_of("SD")["Oglala Lakota County"] == "46102"
    assert fips_of("DC") == {"District of Columbia": "11001"}
    assert not Area.objects.filter(name__in=["Brooklyn Borough", "Shannon County"]).exists()


def test_an_unknown_state_is_refused_and_nothing_is_written():
    with pytest.raises(CommandError, match=r"Unknown state code: 'XX'.*states\.csv.*OR"):
        load("--state", "OR", "--state", "XX")

    assert not Area.objects.exists()


def test_a_state_or_all_is_required():
    with pytest.raises(CommandError, match="--state --all"):
        load()


def test_a_county_typed_in_by_hand_gets_its_fips_instead_of_a_duplicate():
    lane = AreaFactory(name="Lane County", state="OR", fips="")
    task_force = TaskForceFactory()
    task_force.areas.add(lane)

    output = load("--state", "OR")

    assert Area.objects.filter(state="OR").count() == 36
    lane.refresh_from_db()
    assert lane.fips == "41039"
    assert list(task_force.areas.all()) == [lane]
    assert "35 created, 1 updated, 0 unchanged" in output


def test_hand_typed_names_match_despite_case_spacing_or_a_former_name():
    multnomah = AreaFactory(name="multnomah  county", state="OR", fips="")
    oglala = AreaFactory(name="Shannon County", state="SD", fips="")

    load("--state", "OR", "--state", "SD")

    multnomah.refresh_from_db()
    oglala.refresh_from_db()
    assert (multnomah.name, multnomah.fips) == ("Multnomah County", "41051")
    assert (oglala.name, oglala.fips) == ("Oglala Lakota County", "46102")
    assert Area.objects.filter(state="OR").count() == 36


def test_a_tribal_nation_of_the_same_state_is_left_alone():
    siletz = AreaFactory(
        kind=Area.Kind.TRIBAL_NATION, name="Confederated Tribes of Siletz Indians", state="OR"
    )

    load("--state", "OR")

    siletz.refresh_from_db()
    assert (siletz.kind, siletz.name, siletz.fips) == (Area.Kind.TRIBAL_NATION, siletz.name, "")
    assert Area.objects.filter(state="OR", kind=Area.Kind.COUNTY).count() == 36


def test_a_renamed_county_is_updated_by_its_fips_code():
    load("--state", "OR")
    lane = Area.objects.get(fips="41039")
    lane.name = "Old Name County"
    lane.save()

    output = load("--state", "OR")

    lane.refresh_from_db()
    assert lane.name == "Lane County"
    assert Area.objects.count() == 36
    assert "0 created, 1 updated, 35 unchanged" in output
    assert "Old Name County, OR (FIPS 41039) -> Lane County, OR (FIPS 41039)" in output


def test_a_name_clash_is_refused_and_nothing_is_written():
    # FIPS 41039 belongs to an area called "Lane", and someone also typed in a
    # "Lane County" by hand: renaming the first would give two of the same name.
    AreaFactory(name="Lane", state="OR", fips="41039")
    AreaFactory(name="Lane County", state="OR", fips="")

    with pytest.raises(CommandError, match=r"Nothing was loaded(.|\n)*Lane County, OR"):
        load("--state", "OR")

    assert sorted(Area.objects.values_list("name", "fips")) == [
        ("Lane", "41039"),
        ("Lane County", ""),
    ]
