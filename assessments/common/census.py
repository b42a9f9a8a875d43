"""The Census Bureau's state and county list shipped in fixtures/census:
read by the load_counties command and by the statewide county list."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

# The load_counties command reports these errors as they are.
from django.core.management import CommandError

CENSUS_DIR = Path(settings.BASE_DIR) / "fixtures" / "census"
COUNTIES_FILE = "counties_2020.csv"
STATES_FILE = "states.csv"

# The list comes from addfips, a lookup library, which keeps former and
# informal names next to the current one so that old spreadsheets still match.
# A code listed under several names needs its current name chosen here; the
# others only help recognise areas an admin typed in by hand.
CURRENT_NAMES = {
    "02158": "Kusilvak Census Area",  # Wade Hampton Census Area until 2015
    "02195": "Petersburg Borough",  # a census area until 2013
    "11001": "District of Columbia",
    "36005": "Bronx County",
    "36047": "Kings County",
    "36061": "New York County",
    "36085": "Richmond County",
    "46102": "Oglala Lakota County",  # Shannon County until 2015
    "60030": "Rose Island District",
}


@dataclass(frozen=True)
class County:
    fips: str
    name: str
    aliases: tuple[str, ...] = ()


def _rows(path: Path) -> Iterable[tuple[int, dict[str, str]]]:
    try:
        with path.open(encoding="utf-8", newline="") as file:
            # Line 1 is the header, so data starts on line 2.
            yield from enumerate(csv.DictReader(file), start=2)
    except FileNotFoundError as error:
        raise CommandError(f"Census file not found: {path}") from error


def read_states(path: Path) -> dict[str, str]:
    """Postal code -> 2-digit state FIPS code."""
    states: dict[str, str] = {}
    for line, row in _rows(path):
        postal = (row.get("postal") or "").strip().upper()
        statefp = (row.get("fips") or "").strip()
        if not re.fullmatch(r"[A-Z]{2}", postal) or not re.fullmatch(r"\d{2}", statefp):
            raise CommandError(f"{path.name}, line {line}: expected a postal code and 2 digits.")
        # Some states are listed twice, under another name (e.g. "D.C."): fine
        # as long as the code agrees.
        if states.setdefault(postal, statefp) != statefp:
            raise CommandError(f"{path.name}: {postal} has two FIPS codes.")
    return states


def read_counties(path: Path) -> dict[str, list[County]]:
    """2-digit state FIPS code -> its counties, one per county FIPS code."""
    names: dict[str, list[str]] = defaultdict(list)
    for line, row in _rows(path):
        statefp = (row.get("statefp") or "").strip()
        countyfp = (row.get("countyfp") or "").strip()
        name = " ".join((row.get("name") or "").split())
        if not (re.fullmatch(r"\d{2}", statefp) and re.fullmatch(r"\d{3}", countyfp) and name):
            raise CommandError(
                f"{path.name}, line {line}: expected a 2-digit statefp, "
                "a 3-digit countyfp and a name."
            )
        if name not in names[statefp + countyfp]:
            names[statefp + countyfp].append(name)

    counties: dict[str, list[County]] = defaultdict(list)
    for fips, listed in names.items():
        current = listed[0] if len(listed) == 1 else CURRENT_NAMES.get(fips)
        if current not in listed:
            # Guessing would load a former name, so stop and ask for a decision.
            raise CommandError(
                f"{path.name} lists FIPS {fips} as {', '.join(listed)}: add its current "
                "Census name to CURRENT_NAMES in assessments/common/"
                "census.py."
            )
        aliases = tuple(name for name in listed if name != current)
        counties[fips[:2]].append(County(fips=fips, name=current, aliases=aliases))
    return counties
