"""The guidance fixture: 3 stages, 28 milestones, text verbatim."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from stages.models import Milestone, Stage

GUIDANCE = Path(settings.BASE_DIR) / "docs" / "task-force-stages.txt"
SHARED_SEED = Path(settings.BASE_DIR).parent / "shared" / "seed" / "task-force-stages.txt"

EXPECTED = {
    "Foundation": [
        "Agency Awareness",
        "Community Awareness",
        "Task Force Formation",
        "Task Force MOU",
        "Funded Coordinator",
        "Develop and Implement Response Protocols",
        "Medical Response Plan",
        "Initiate Case Review",
        "Form Subcommittees",
        "Diversify Task Force Representation",
        "Survivor Representation",
    ],
    "Stabilization": [
        "Update Response Protocols",
        "Data Collection",
        "Develop Offender-Focused Strategy",
        "Incorporate New Services",
        "Long-Term Shelter",
        "Treatment",
        "Secondary Prevention",
        "Awareness in Schools and Colleges",
        "Case Review",
        "Detox Program",
        "Initiate Demand Reduction Awareness",
    ],
    "Sustainability": [
        "Legislative Changes",
        "Data Systems in Place",
        "Multi-Generational Approach",
        "Demand Reduction Protocols",
        "Primary Prevention",
        "Youth Voice",
    ],
}


def _snapshot():
    return (
        list(Stage.objects.values_list("pk", "slug", "name", "order", "description")),
        list(
            Milestone.objects.values_list(
                "pk", "stage_id", "slug", "name", "description", "order", "is_active"
            )
        ),
    )


def test_fixture_has_the_three_stages_in_order(guidance):
    assert list(Stage.objects.values_list("name", flat=True)) == list(EXPECTED)


def test_fixture_has_the_28_milestones_of_the_detailed_lists_in_order(guidance):
    assert Milestone.objects.count() == 28
    for stage in Stage.objects.all():
        names = list(stage.milestones.order_by("order").values_list("name", flat=True))
        assert names == EXPECTED[stage.name]
    assert Milestone.objects.filter(is_active=False).count() == 0


def test_every_description_is_verbatim_from_the_guidance(guidance):
    guidance_lines = set(GUIDANCE.read_text().splitlines())
    for milestone in Milestone.objects.all():
        assert milestone.description
        assert f"- {milestone.name} {milestone.description}" in guidance_lines, milestone.name


@pytest.mark.skipif(not SHARED_SEED.exists(), reason="shared/seed is not beside this checkout")
def test_the_copy_of_the_guidance_matches_the_seed():
    assert GUIDANCE.read_text() == SHARED_SEED.read_text()


def test_loading_the_fixture_again_creates_no_duplicates_and_changes_nothing(guidance):
    before = _snapshot()
    call_command("loaddata", "stages", verbosity=0)
    assert _snapshot() == before


def test_load_stages_fills_an_empty_database(db):
    call_command("load_stages", verbosity=0)
    assert Stage.objects.count() == 3
    assert Milestone.objects.count() == 28


def test_load_stages_leaves_an_admins_edits_alone(guidance):
    Milestone.objects.filter(slug="youth-voice").update(description="Edited by an admin")
    call_command("load_stages", verbosity=0)
    assert Milestone.objects.get(slug="youth-voice").description == "Edited by an admin"
    assert Milestone.objects.count() == 28
