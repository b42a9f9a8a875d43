"""Load counties and their FIPS codes from the Census Bureau list in fixtures/census."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.core.management import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Q

from assessments.common.census import (  # noqa: F401  (County: tests build them)
    CENSUS_DIR,
    COUNTIES_FILE,
    STATES_FILE,
    County,
    read_counties,
    read_states,
)
from assessments.core import page_cache
from assessments.models import Area, TaskForce

# Bounds each statement: bulk_update builds a CASE per field whose cost grows
# with the square of the batch, and SQLite caps the parameters per statement.
BATCH_SIZE = 500

FIELDS = ["kind", "state", "name", "fips"]


@dataclass
class Result:
    created: list[Area] = field(default_factory=list)
    # (what the area was called before, the area as it is now)
    updated: list[tuple[str, Area]] = field(default_factory=list)
    unchanged: int = 0


def _fold(name: str) -> str:
    # Hand-typed names differ from the Census in case and spacing more than in
    # anything else; matching on those alone is safe.
    return " ".join(name.split()).casefold()


def _label(kind: str, state: str, name: str, fips: str) -> str:
    where = f"{name}, {state}" if state else name
    details = [] if kind == Area.Kind.COUNTY else [Area.Kind(kind).label]
    details.append(f"FIPS {fips}" if fips else "no FIPS")
    return f"{where} ({', '.join(details)})"


def sync_counties(wanted: list[tuple[str, County]]) -> Result:
    """Create or update one county Area per (postal code, county).

    Call inside a transaction. Raises CommandError, having written nothing,
    when a county's name is already taken by another area.
    """
    postals = sorted({postal for postal, _ in wanted})
    # One query: every area that could match, by FIPS (any state or kind, so
    # a code typed on the wrong area is corrected, not duplicated) or by name.
    existing = list(Area.objects.filter(Q(kind=Area.Kind.COUNTY, state__in=postals) | ~Q(fips="")))
    current_keys = {(area.kind, area.state, area.name): area.pk for area in existing}
    before = {area.pk: _label(area.kind, area.state, area.name, area.fips) for area in existing}

    by_fips = {area.fips: area for area in existing if area.fips}
    hand_made: dict[tuple[str, str], list[Area]] = defaultdict(list)
    for area in existing:
        if not area.fips and area.kind == Area.Kind.COUNTY:
            hand_made[(area.state, _fold(area.name))].append(area)

    def claim(postal: str, names: list[str], exact: bool) -> Area | None:
        for name in names:
            candidates = hand_made.get((postal, _fold(name)), [])
            for area in candidates:
                if not exact or area.name == name:
                    candidates.remove(area)
                    return area
        return None

    matches = {county.fips: by_fips[county.fips] for _, county in wanted if county.fips in by_fips}
    # Loosest last, so that one county's former name, or a name that differs
    # only in case, cannot take the area another county matches exactly.
    for with_aliases, exact in ((False, True), (True, True), (True, False)):
        for postal, county in wanted:
            if county.fips in matches:
                continue
            names = [county.name, *county.aliases] if with_aliases else [county.name]
            area = claim(postal, names, exact)
            if area is not None:
                matches[county.fips] = area

    result = Result()
    for postal, county in wanted:
        target = {
            "kind": Area.Kind.COUNTY,
            "state": postal,
            "name": county.name,
            "fips": county.fips,
        }
        area = matches.get(county.fips)
        if area is None:
            result.created.append(Area(**target))
        elif all(getattr(area, name) == value for name, value in target.items()):
            result.unchanged += 1
        else:
            for name, value in target.items():
                setattr(area, name, value)
            result.updated.append((before[area.pk], area))

    _refuse_name_clashes(existing, result, current_keys)

    renamed = [area for _, area in result.updated]
    Area.objects.bulk_update(renamed, FIELDS, batch_size=BATCH_SIZE)
    # bulk_update sends no signal: the pages naming these areas move on here.
    page_cache.bump(TaskForce.objects.filter(areas__in=renamed).values("pk"))
    Area.objects.bulk_create(result.created, batch_size=BATCH_SIZE)
    return result


def _refuse_name_clashes(
    existing: list[Area], result: Result, current_keys: dict[tuple[str, str, str], int]
) -> None:
    # The unique (kind, state, name) constraint would stop the write anyway;
    # checking first names every clash at once, and in words an admin can act on.
    # A name still held by another area counts as a clash even if that area is
    # renamed in the same run: the database checks uniqueness row by row as it
    # writes, so two areas swapping names would fail part-way.
    touched = [area for _, area in result.updated] + result.created
    final_keys = Counter(
        (area.kind, area.state, area.name) for area in [*existing, *result.created]
    )
    clashes = []
    for area in touched:
        key = (area.kind, area.state, area.name)
        holder = current_keys.get(key)
        if (holder is not None and holder != area.pk) or final_keys[key] > 1:
            clashes.append(f"  {_label(*key, area.fips)}: another area already has this name")
    if clashes:
        raise CommandError(
            "Nothing was loaded. These counties clash with areas already in the database; "
            "rename or merge those areas in the admin, then run the command again:\n"
            + "\n".join(sorted(clashes))
        )


class Command(BaseCommand):
    help = (
        "Create or update the counties of one or more states, with their FIPS codes, "
        "from the Census Bureau list in fixtures/census. Matches existing areas by "
        "FIPS code (or, for areas typed in without one, by name), so it is safe to "
        "run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument(
            "--state",
            action="append",
            dest="states",
            metavar="CODE",
            help="Two-letter postal code, e.g. OR. Repeat for several states.",
        )
        which.add_argument(
            "--all",
            action="store_true",
            dest="all_states",
            help="Every state, DC and territory in fixtures/census/states.csv.",
        )

    def handle(
        self, *args, states: list[str] | None = None, all_states: bool = False, **options
    ) -> None:
        state_fips = read_states(CENSUS_DIR / STATES_FILE)
        counties = read_counties(CENSUS_DIR / COUNTIES_FILE)

        if all_states:
            postals = sorted(state_fips)
            self._warn_about_unlisted_states(counties, set(state_fips.values()))
        else:
            postals = self._check_codes(states or [], state_fips)

        wanted = [
            (postal, county)
            for postal in postals
            for county in sorted(counties.get(state_fips[postal], []), key=lambda c: c.fips)
        ]
        with transaction.atomic():
            result = sync_counties(wanted)

        for label, area in result.updated:
            now = _label(area.kind, area.state, area.name, area.fips)
            self.stdout.write(f"  updated {label} -> {now}")
        if options["verbosity"] >= 2:
            for area in result.created:
                self.stdout.write(
                    f"  created {_label(area.kind, area.state, area.name, area.fips)}"
                )
        where = f"all {len(postals)} states and territories" if all_states else ", ".join(postals)
        self.stdout.write(
            self.style.SUCCESS(
                f"Counties of {where}: {len(result.created):,} created, "
                f"{len(result.updated):,} updated, {result.unchanged:,} unchanged."
            )
        )

    def _check_codes(self, codes: list[str], state_fips: dict[str, str]) -> list[str]:
        postals = list(dict.fromkeys(code.strip().upper() for code in codes))
        unknown = [code for code in postals if code not in state_fips]
        if unknown:
            raise CommandError(
                f"Unknown state code: {', '.join(repr(code) for code in unknown)}. Use a "
                f"two-letter postal code from the 'postal' column of fixtures/census/"
                f"{STATES_FILE}: "
                f"{', '.join(sorted(state_fips))}. Or use --all."
            )
        return postals

    def _warn_about_unlisted_states(
        self, counties: dict[str, list[County]], listed: set[str]
    ) -> None:
        # Without a postal code there is no Area.state to give them.
        for statefp in sorted(set(counties) - listed):
            names = ", ".join(county.name for county in counties[statefp])
            self.stderr.write(
                self.style.WARNING(
                    f"Skipped state FIPS {statefp} ({names}): it has no postal code in "
                    f"{STATES_FILE}."
                )
            )
