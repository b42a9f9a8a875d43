"""Help requests to the state program: a task force's requests and threads,
for its coordinators (and the state program); the queue and the statewide
figures, for program managers and staff only. Writes go through
assessments/help/services.py.

Threads are shown to who may write in them (help_requests.can_write): the
task force's own coordinators, program managers and staff. Anyone else gets
404, as for a task force they may not read, even when
COORDINATORS_CAN_READ_ALL_TASK_FORCES lets them read the task force itself:
what a task force asks the state program is between the two.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from assessments.access import task_force_for_editing, task_force_for_user
from assessments.common.people import person_name
from assessments.common.stale import StaleSaveError
from assessments.core import selectors
from assessments.core.forms import add_service_errors
from assessments.core.models import TaskForce
from assessments.help import services as help_requests
from assessments.help.forms import (
    HelpAssignForm,
    HelpQueueFilters,
    HelpReplyForm,
    HelpRequestForm,
    HelpStateForm,
    state_program_people,
)
from assessments.help.models import HELP_TEXT_WARNING, HelpRequest
from assessments.help.selectors import age_text, duration_text, statewide_summary
from assessments.roles import is_state_program
from stages.models import Milestone
from taskforce_site.security import log_event

QUEUE_PAGE_SIZE = 25


def _require_state_program(request: HttpRequest) -> None:
    if not is_state_program(request.user):
        raise PermissionDenied


def _task_force_for_help(request: HttpRequest, slug: str) -> TaskForce:
    """The task force, if the user may read and write its help requests;
    404 otherwise (see the module's docstring)."""
    task_force, _ = task_force_for_user(request, slug)
    if not (is_state_program(request.user) or help_requests.can_ask(request.user, task_force)):
        log_event("task_force.hidden", request, task_force=slug)
        raise Http404("No such task force")
    return task_force


def _with_ages(requests, now) -> list[HelpRequest]:
    requests = list(requests)
    for item in requests:
        item.age = age_text(item.created_at, now)
    return requests


@require_safe
def task_force_help(request: HttpRequest, slug: str) -> HttpResponse:
    """A task force's requests, newest first, with a link to ask for help."""
    task_force = _task_force_for_help(request, slug)
    requests = (
        HelpRequest.objects.filter(task_force=task_force).for_queue().order_by("-created_at", "-pk")
    )
    return render(
        request,
        "assessments/help/help_list.html",
        {
            "task_force": task_force,
            "requests": _with_ages(requests, timezone.now()),
            "can_ask": help_requests.can_ask(request.user, task_force),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def help_request_new(request: HttpRequest, slug: str) -> HttpResponse:
    task_force = task_force_for_editing(request, slug)
    if request.method == "POST":
        form = HelpRequestForm(request.POST)
        if form.is_valid():
            try:
                created = help_requests.help_request_create(
                    task_force=task_force,
                    milestone=form.cleaned_data["milestone"],
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    user=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, "Your request is with the state program. You can follow it here."
                )
                return redirect(
                    "assessments:help_request", slug=task_force.slug, request_id=created.pk
                )
    else:
        # ?milestone=<slug> from a milestone's page; an unknown or invalid
        # one (a NUL byte PostgreSQL refuses) is ignored, as in filters.py.
        wanted = HelpQueueFilters({"milestone": request.GET.get("milestone", "")}).values()
        milestone = (
            Milestone.objects.active().filter(slug=wanted["milestone"]).first()
            if wanted["milestone"]
            else None
        )
        form = HelpRequestForm(initial={"milestone": milestone})
    return render(
        request,
        "assessments/help/help_request_form.html",
        {"task_force": task_force, "form": form, "warning": HELP_TEXT_WARNING},
    )


def _thread_page(
    request: HttpRequest,
    task_force: TaskForce,
    help_request: HelpRequest,
    *,
    reply_form: HelpReplyForm | None = None,
    assign_form: HelpAssignForm | None = None,
    state_form: HelpStateForm | None = None,
    stale: str = "",
    status: int = 200,
    last_read: datetime.datetime | None = None,
    marks_new: bool = False,
) -> HttpResponse:
    state_program = is_state_program(request.user)
    version = {"version": help_request.version}
    thread = list(help_request.messages.select_related("changed_by"))
    if marks_new:
        # New to this person: written by someone else since they last opened it.
        for message in thread:
            message.is_new = message.changed_by_id != request.user.pk and (
                last_read is None or message.changed_at > last_read
            )
    new_count = sum(1 for message in thread if getattr(message, "is_new", False))
    return render(
        request,
        "assessments/help/help_request.html",
        {
            "task_force": task_force,
            "help_request": help_request,
            "age": age_text(help_request.created_at),
            "thread": thread,
            "new_count": new_count,
            "first_new": next((m for m in thread if getattr(m, "is_new", False)), None),
            "last_read": last_read,
            "state_program": state_program,
            "reply_form": reply_form or HelpReplyForm(initial=version),
            "assign_form": (
                assign_form
                or HelpAssignForm(
                    initial={**version, "assignee": help_request.assigned_to_id or request.user.pk}
                )
            )
            if state_program
            else None,
            "state_form": state_form or HelpStateForm(initial=version),
            "stale": stale,
            "warning": HELP_TEXT_WARNING,
        },
        status=status,
    )


def _request_of(task_force: TaskForce, request_id: int) -> HelpRequest:
    """The request, if it is this task force's: another's id under this
    slug is a 404, as if it did not exist."""
    return get_object_or_404(
        HelpRequest.objects.select_related("task_force", "milestone", "assigned_to"),
        pk=request_id,
        task_force=task_force,
    )


@require_safe
def help_request_detail(request: HttpRequest, slug: str, request_id: int) -> HttpResponse:
    task_force = _task_force_for_help(request, slug)
    help_request = _request_of(task_force, request_id)
    if request.method != "GET":
        # A link checker's HEAD is nobody reading the thread.
        return _thread_page(request, task_force, help_request)
    last_read = help_requests.help_request_mark_read(request=help_request, user=request.user)
    return _thread_page(request, task_force, help_request, last_read=last_read, marks_new=True)


def _act(
    request: HttpRequest,
    slug: str,
    request_id: int,
    form_class,
    key: str,
    act,
    *,
    state_program_only: bool = False,
):
    """Run one thread action from its form: back to the thread on success;
    the thread with the errors or, when the request moved on since the
    page was loaded, with what it is now (409). 404 first for who may not
    see the thread, then 403 for a coordinator at a state program action."""
    task_force = _task_force_for_help(request, slug)
    help_request = _request_of(task_force, request_id)
    if state_program_only:
        _require_state_program(request)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            done = act(help_request, form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        except StaleSaveError as error:
            data = request.POST.copy()
            data["version"] = error.current.version
            return _thread_page(
                request,
                task_force,
                error.current,
                stale=error.message_for(request.user),
                status=409,
                **{key: form_class(data)},
            )
        else:
            if done:
                messages.success(request, done)
            return redirect("assessments:help_request", slug=task_force.slug, request_id=request_id)
    return _thread_page(request, task_force, help_request, **{key: form})


@require_POST
def help_request_reply(request: HttpRequest, slug: str, request_id: int) -> HttpResponse:
    def act(help_request: HelpRequest, data: dict) -> str:
        help_requests.help_request_reply(
            request=help_request,
            body=data["body"],
            user=request.user,
            expected_version=data["version"],
        )
        # The e-mail to the coordinators was queued with the reply.
        return "Reply sent."

    return _act(request, slug, request_id, HelpReplyForm, "reply_form", act)


@require_POST
def help_request_assign(request: HttpRequest, slug: str, request_id: int) -> HttpResponse:
    def act(help_request: HelpRequest, data: dict) -> str:
        done = help_requests.help_request_assign(
            request=help_request,
            assignee=data["assignee"],
            user=request.user,
            expected_version=data["version"],
        )
        return f"Assigned to {person_name(done.assigned_to)}."

    return _act(
        request, slug, request_id, HelpAssignForm, "assign_form", act, state_program_only=True
    )


@require_POST
def help_request_close(request: HttpRequest, slug: str, request_id: int) -> HttpResponse:
    def act(help_request: HelpRequest, data: dict) -> str:
        help_requests.help_request_close(
            request=help_request, user=request.user, expected_version=data["version"]
        )
        return "Request closed."

    return _act(request, slug, request_id, HelpStateForm, "state_form", act)


@require_POST
def help_request_reopen(request: HttpRequest, slug: str, request_id: int) -> HttpResponse:
    def act(help_request: HelpRequest, data: dict) -> str:
        help_requests.help_request_reopen(
            request=help_request, user=request.user, expected_version=data["version"]
        )
        return "Request reopened."

    return _act(request, slug, request_id, HelpStateForm, "state_form", act)


@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    """Every task force's requests for the state program, oldest waiting
    first, filtered by milestone, region, assignee and state."""
    _require_state_program(request)
    filters = HelpQueueFilters(request.GET).values()
    requests = HelpRequest.objects.for_queue()
    state = filters["state"]
    if state == "":
        requests = requests.open()
    elif state != "all":
        requests = requests.filter(state=state)
    if filters["milestone"] == "general":
        requests = requests.filter(milestone__isnull=True)
    elif filters["milestone"]:
        requests = requests.filter(milestone__slug=filters["milestone"])
    if filters["region"]:
        requests = requests.filter(task_force__region=filters["region"])
    if filters["assignee"] == "none":
        requests = requests.filter(assigned_to__isnull=True)
    elif filters["assignee"]:
        requests = requests.filter(assigned_to_id=int(filters["assignee"]))
    page = Paginator(requests, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = _with_ages(page.object_list, timezone.now())
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assessments/help/help_queue.html",
        {
            "page": page,
            "filters": filters,
            "milestones": Milestone.objects.active().select_related("stage"),
            "regions": selectors.regions(TaskForce.objects.all()),
            "people": state_program_people(),
            "states": HelpRequest.State.choices,
            "filter_query": query.urlencode(),
        },
    )


@require_safe
def statewide(request: HttpRequest) -> HttpResponse:
    _require_state_program(request)
    summary = statewide_summary()
    return render(
        request,
        "assessments/help/help_statewide.html",
        {"summary": summary, "median": duration_text(summary.median_first_reply)},
    )
