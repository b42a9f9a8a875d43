import factory
from django.contrib.auth import get_user_model

from assessments.models import Area, MilestoneStatus, PartnerLink, Status, TaskForce, hash_token
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
