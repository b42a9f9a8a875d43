import datetime
import io
from pathlib import Path

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from assessments.cycles.models import SubmissionState
from assessments.models import (
    Area,
    CycleSubmission,
    Evidence,
    HelpRequest,
    MilestoneStatus,
    MouStatus,
    PartnerAgency,
    PartnerLink,
    PlanItem,
    ReviewCycle,
    Sector,
    Snapshot,
    SnapshotMilestone,
    Status,
    SubmissionReview,
    TaskForce,
    hash_token,
)
from stages.models import Milestone, Stage


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("a-long-test-password")


class StageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stage

    name = factory.Sequence(lambda n: f"Stage {n}")
    slug = factory.Sequence(lambda n: f"stage-{n}")
    order = factory.Sequence(lambda n: n + 1)


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    stage = factory.SubFactory(StageFactory)
    name = factory.Sequence(lambda n: f"Milestone {n}")
    slug = factory.Sequence(lambda n: f"milestone-{n}")
    description = factory.Faker("sentence")
    order = factory.Sequence(lambda n: n + 1)


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    name = factory.Sequence(lambda n: f"County {n}")
    state = "OR"


class TaskForceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaskForce

    name = factory.Sequence(lambda n: f"Task Force {n}")
    slug = factory.Sequence(lambda n: f"task-force-{n}")
    region = "Willamette Valley"


class MilestoneStatusFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MilestoneStatus

    task_force = factory.SubFactory(TaskForceFactory)
    milestone = factory.SubFactory(MilestoneFactory)
    status = Status.ACHIEVED


class PartnerLinkFactory(factory.django.DjangoModelFactory):
    """Pass `token=` to know the link's secret; the model keeps only its hash."""

    class Meta:
        model = PartnerLink
        exclude = ["token"]

    task_force = factory.SubFactory(TaskForceFactory)
    label = "County Health Department"
    token = factory.Sequence(lambda n: f"test-token-{n:04d}-abcdefghijklmnopqrstuvwxyz")
    token_hash = factory.LazyAttribute(lambda link: hash_token(link.token))


class SectorFactory(factory.django.DjangoModelFactory):
    """A sector; the 16 of the issue are seeded by a migration, so most tests
    take one of those: Sector.objects.get(slug="victim-services")."""

    class Meta:
        model = Sector
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Sector {n}")
    slug = factory.Sequence(lambda n: f"sector-{n}")
    order = factory.Sequence(lambda n: 100 + n)


class PartnerAgencyFactory(factory.django.DjangoModelFactory):
    """An active agency with no MOU, in the seeded "Victim services" sector.
    `signed=True` gives a signed MOU (signed 100 days ago, no renewal date)."""

    class Meta:
        model = PartnerAgency

    class Params:
        signed = factory.Trait(
            mou_status=MouStatus.SIGNED,
            mou_signed_on=factory.LazyFunction(
                lambda: timezone.localdate() - datetime.timedelta(days=100)
            ),
        )

    task_force = factory.SubFactory(TaskForceFactory)
    name = factory.Sequence(lambda n: f"Partner Agency {n}")
    sector = factory.LazyFunction(lambda: Sector.objects.get(slug="victim-services"))
    contact_name = "Program manager"


SAMPLE_PDF = Path(__file__).parent / "evidence_samples" / "mou.pdf"


class EvidenceFactory(factory.django.DjangoModelFactory):
    """A link by default; `document=True` gives an uploaded PDF (the shipped
    sample), stored in the test's temporary evidence folder. Straight to the
    database: tests of the rules go through assessments/evidence/services.py."""

    class Meta:
        model = Evidence

    class Params:
        document = factory.Trait(
            kind=Evidence.Kind.FILE,
            url="",
            file=factory.django.FileField(
                from_func=lambda: io.BytesIO(SAMPLE_PDF.read_bytes()),
                filename="mou.pdf",
            ),
            original_name="Signed MOU.pdf",
            content_type="application/pdf",
            size=factory.LazyFunction(lambda: SAMPLE_PDF.stat().st_size),
        )

    task_force = factory.SubFactory(TaskForceFactory)
    milestone = factory.LazyFunction(lambda: Milestone.objects.get(slug="task-force-mou"))
    kind = Evidence.Kind.LINK
    title = factory.Sequence(lambda n: f"Signed MOU {n}")
    url = "https://docs.example.org/mou.pdf"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        evidence = model_class(*args, **kwargs)
        # The service sets the detected type's extension for the stored name.
        evidence.extension = ".pdf" if evidence.kind == Evidence.Kind.FILE else ""
        evidence.save(force_insert=True)
        return evidence


class ReviewCycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewCycle

    title = factory.Sequence(lambda n: f"{2020 + n} annual self-assessment")
    due_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))


class CycleSubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CycleSubmission

    cycle = factory.SubFactory(ReviewCycleFactory)
    task_force = factory.SubFactory(TaskForceFactory)


def snapshot_of(
    task_force: TaskForce,
    cycle: ReviewCycle,
    statuses: dict[str, str] | None = None,
    *,
    number: int = 1,
    state: str = SubmissionState.ACCEPTED,
    decision: str | None = None,
    plan: list[tuple[str, str, datetime.date | None]] = (),
    at: datetime.datetime | None = None,
) -> Snapshot:
    """A frozen snapshot straight to the database (the tests of the rules
    that read snapshots; assessments/cycles/services.py is what writes them in the
    app): every active milestone, not started unless `statuses` ({milestone
    slug: status}) says otherwise; `plan` as (milestone slug, owner, due)
    rows; a review with `decision` if given. The submission is created, or
    moved to `state`, as needed."""
    statuses = statuses or {}
    submission, _ = CycleSubmission.objects.get_or_create(cycle=cycle, task_force=task_force)
    CycleSubmission.objects.filter(pk=submission.pk).update(state=state)
    snapshot = Snapshot(
        submission=submission, number=number, changed_at=at or timezone.now(), narrative={}
    )
    snapshot.save()
    milestones = {m.slug: m for m in Milestone.objects.all()}
    SnapshotMilestone.objects.bulk_create(
        SnapshotMilestone(
            snapshot=snapshot,
            milestone=milestone,
            status=statuses.get(slug, Status.NOT_STARTED),
        )
        for slug, milestone in milestones.items()
        if milestone.is_active or slug in statuses
    )
    PlanItem.objects.bulk_create(
        PlanItem(snapshot=snapshot, milestone=milestones[slug], owner=owner, due_on=due)
        for slug, owner, due in plan
    )
    if decision is not None:
        SubmissionReview(snapshot=snapshot, decision=decision, comments="Please add totals.").save()
    return Snapshot.objects.select_related("submission__cycle", "submission__task_force").get(
        pk=snapshot.pk
    )


class HelpRequestFactory(factory.django.DjangoModelFactory):
    """A help request row with no thread, for lists and figures; tests of
    behaviour create requests through assessments.help.services."""

    class Meta:
        model = HelpRequest

    task_force = factory.SubFactory(TaskForceFactory)
    subject = factory.Sequence(lambda n: f"Question {n}")
    created_by_name = "coordinator"


def program_manager(**kwargs):
    """An account in the Program managers group (created by a migration)."""
    from django.contrib.auth.models import Group

    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get(name="Program managers"))
    return user
