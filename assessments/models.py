"""Every model of the app, re-exported from the feature that defines it.

Django finds the models here, and `from assessments.models import X` and the
migrations (e.g. `assessments.models.evidence_upload_to`) keep working
whatever package a model lives in. Add a feature's new model here too.
"""

# ruff: noqa: F401

from assessments.activity.models import (
    NO_NAMES,
    ActivityChange,
    ActivityCount,
    ActivityEntry,
    ActivityEntryQuerySet,
    ActivityKind,
    Measure,
)
from assessments.common.models import (
    AppendOnly,
    AppendOnlyQuerySet,
    AppendOnlyRecord,
)
from assessments.core.events import Event, EventKind
from assessments.core.models import (
    NO_IDENTIFYING_DETAILS,
    NOTES_MAX_LENGTH,
    Area,
    ImportBatch,
    ImportChange,
    MilestoneStatus,
    MilestoneStatusQuerySet,
    PartnerLink,
    PartnerLinkQuerySet,
    Sector,
    Status,
    StatusChange,
    StatusChangeQuerySet,
    TaskForce,
    TaskForceQuerySet,
    hash_token,
    review_due_before,
)
from assessments.core.prepared_downloads import (
    PreparedDownload,
    PreparedDownloadQuerySet,
    download_upload_to,
    downloads_storage,
)
from assessments.cycles.models import (
    CYCLE_INSTRUCTIONS_HELP,
    HANDED_IN,
    NARRATIVE_HELP,
    NO_VICTIM_DETAILS,
    REVIEW_COMMENTS_HELP,
    CycleSubmission,
    CycleSubmissionQuerySet,
    PlanItem,
    ReviewCycle,
    Snapshot,
    SnapshotMilestone,
    SnapshotQuerySet,
    SubmissionReview,
    SubmissionState,
    late_q,
)
from assessments.evidence.models import (
    EVIDENCE_NOTE_HELP,
    Evidence,
    EvidenceChange,
    EvidenceQuerySet,
    evidence_storage,
    evidence_upload_to,
)
from assessments.help.models import (
    HELP_BODY_MAX_LENGTH,
    HELP_TEXT_WARNING,
    HelpMessage,
    HelpRequest,
    HelpRequestChange,
    HelpRequestQuerySet,
    HelpRequestRead,
)
from assessments.notifications.models import (
    AnnouncedItem,
    NotificationFrequency,
    NotificationKind,
    NotificationPreference,
    NotificationPreferenceQuerySet,
    ReminderRun,
    SentNotification,
)
from assessments.register.models import (
    MOU_STATE_RULE,
    MouState,
    MouStatus,
    PartnerAgency,
    PartnerAgencyQuerySet,
    PartnershipType,
    RegisterChange,
)
from assessments.roles import (
    PROGRAM_MANAGERS_GROUP,
    READ_ALL_PERMISSION,
    can_import_statuses,
    can_read_all_task_forces,
    edits_some_task_force,
    is_signed_in_and_active,
    is_staff_or_program_manager,
    is_state_program,
)
from assessments.team.models import (
    Invitation,
    InvitationQuerySet,
    InvitationReplacedLink,
)
