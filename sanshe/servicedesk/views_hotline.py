"""Pages of the 12343 hotline and the message box: the operator's desk (record a call, open calls with their
deadlines, the 回访 queue, the figures), the call page (timeline and decision panels), the staff's message
inbox and answer form, and the two public pages (leave a message or a suggestion; the public answers).
Reads go through ``visible_to``; writes through :mod:`sanshe.servicedesk.services_hotline`."""

from __future__ import annotations

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from sanshe.accounts.roles import Perm
from sanshe.core.views import PermissionRequiredMixin, ScopedObjectMixin, apply_validation_error
from sanshe.gridops.models import EventCategory
from sanshe.territory.choices import Level
from sanshe.territory.models import Node

from . import services_hotline as sh
from .choices_hotline import OPEN_STATES, CallAction, CallState, MessageKind, MessageState
from .forms_hotline import (
    AnswerForm,
    ApplicationForm,
    CallForm,
    EventForm,
    FollowUpForm,
    MergeForm,
    MessageAnswerForm,
    MessageForm,
    NeedForm,
    NoteForm,
)
from .models import ServiceItem
from .models_hotline import HotlineCall, Message

HOTLINE, ANSWER = Perm.HOTLINE, Perm.MESSAGES_ANSWER


def _communities(user, permission=HOTLINE):
    return Node.objects.visible_to(user, permission).filter(level=Level.COMMUNITY).order_by("code")


class DeskView(PermissionRequiredMixin, View):
    """接线台: record a call; the open calls with deadlines; the 回访 queue; the figures."""

    required_permission = HOTLINE

    def get(self, request, form=None):
        calls = HotlineCall.objects.visible_to(request.user, HOTLINE).select_related(
            "community", "event", "application", "master")
        open_calls = list(calls.filter(state__in=[CallState.NEW, CallState.TRANSFERRED, CallState.ANSWERED,
                                                  CallState.MERGED]).order_by("deadline", "pk")[:200])
        now = timezone.now()
        for call in open_calls:
            call.overdue = call.resolved_at is None and call.deadline is not None and call.deadline < now
            call.outcome = sh.outcome(call)
        follow_up = [c for c in open_calls if c.outcome.done]
        waiting = [c for c in open_calls if not c.outcome.done]
        closing = list(calls.filter(state=CallState.FOLLOWED_UP).order_by("followed_up_at")[:50])
        return render(request, "servicedesk/hotline/desk.html", {
            "form": form or CallForm(communities=_communities(request.user)),
            "waiting": waiting, "follow_up": follow_up, "closing": closing,
            "figures": sh.figures(request.user), "now": now,
        })

    def post(self, request):
        form = CallForm(request.POST, communities=_communities(request.user))
        if form.is_valid():
            d = form.cleaned_data
            try:
                call = sh.record_call(actor=request.user, community=d["community"], caller_name=d["caller_name"],
                                      phone=d["phone"], content=d["content"], category=d["category"])
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                flash.success(request, _("Call %(number)s recorded.") % {"number": call.number})
                return redirect("servicedesk:hotline_call", pk=call.pk)
        return self.get(request, form=form)


class RepeatsView(PermissionRequiredMixin, View):
    """While the operator types the phone: open calls of the same phone (or the same household, found in the
    registry by the phone) in the last 30 days (htmx fragment of the desk)."""

    required_permission = HOTLINE

    def get(self, request):
        phone = (request.GET.get("phone") or "").strip()
        found = []
        if phone:
            community = _communities(request.user).filter(pk=request.GET.get("community") or 0).first()
            household = None
            if community is not None:
                resident = sh.find_resident(phone, community.district_id)
                household = resident.household if resident is not None and resident.household_id else None
            found = sh.possible_repeats(actor=request.user, phone=phone, household=household)
        return render(request, "servicedesk/hotline/_repeats.html", {"repeats": found, "phone": phone})


class CallListView(PermissionRequiredMixin, View):
    required_permission = HOTLINE

    def get(self, request):
        qs = HotlineCall.objects.visible_to(request.user, HOTLINE).select_related("community")
        state = request.GET.get("state", "")
        if state in CallState.values:
            qs = qs.filter(state=state)
        q = (request.GET.get("q") or "").strip()
        if q:
            qs = qs.filter(number__icontains=q) | qs.filter(caller_name__startswith=q)
        page = Paginator(qs.order_by("-received_at", "-pk"), 50).get_page(request.GET.get("page"))
        return render(request, "servicedesk/hotline/list.html", {
            "page": page, "states": CallState.choices, "state": state, "q": q})


class CallDetailView(ScopedObjectMixin, View):
    """The call: what was said, its timeline, the possible repeats and the decision panels."""

    model = HotlineCall
    scope_permission = HOTLINE
    required_permission = HOTLINE

    def forms(self, call, data=None, action=""):
        user = self.request.user
        candidates = HotlineCall.objects.filter(pk__in=[c.pk for c in sh.possible_repeats(
            actor=user, phone=call.caller_phone or "", household=call.household, exclude_pk=call.pk)])

        def bound(name):
            return data if action == name else None

        return {
            "answer_form": AnswerForm(bound(CallAction.ANSWER)),
            "event_form": EventForm(bound(CallAction.TO_EVENT), categories=EventCategory.objects.filter(
                parent__isnull=False, is_active=True).order_by("parent__code", "code")),
            "application_form": ApplicationForm(bound(CallAction.TO_APPLICATION), items=ServiceItem.objects.filter(
                district_id=call.district_id, is_active=True)),
            "need_form": NeedForm(bound(CallAction.TO_NEED), initial={"title": call.content[:40]}),
            "merge_form": MergeForm(bound(CallAction.MERGE), candidates=candidates),
            "follow_up_form": FollowUpForm(bound(CallAction.FOLLOW_UP)),
            "close_form": NoteForm(bound(CallAction.CLOSE)),
            "comment_form": NoteForm(bound(CallAction.COMMENT)),
            "candidates": list(candidates.select_related("community")),
        }

    def render_page(self, call, forms):
        return render(self.request, "servicedesk/hotline/call.html", {
            "call": call, "steps": call.steps.all(), "outcome": sh.outcome(call),
            "actions": sh.allowed_actions(call, self.request.user), "merged": call.merged_calls.all(),
            "now": timezone.now(), **forms})

    def get(self, request, pk):
        call = self.get_object()
        return self.render_page(call, self.forms(call))

    def post(self, request, pk):
        call = self.get_object()
        action = request.POST.get("action", "")
        forms = self.forms(call, request.POST, action)
        form = {CallAction.ANSWER: "answer_form", CallAction.TO_EVENT: "event_form",
                CallAction.TO_APPLICATION: "application_form", CallAction.TO_NEED: "need_form",
                CallAction.MERGE: "merge_form", CallAction.FOLLOW_UP: "follow_up_form",
                CallAction.CLOSE: "close_form", CallAction.COMMENT: "comment_form"}.get(action)
        if form is None:
            flash.error(request, _("Unknown action."))
            return redirect("servicedesk:hotline_call", pk=call.pk)
        form = forms[form]
        if form.is_valid():
            d = form.cleaned_data
            try:
                sh.transition(call, action, actor=request.user, note=d.get("note", ""), answer=d.get("answer", ""),
                              event_category=d.get("event_category"), title=d.get("title", ""),
                              item=d.get("item"), master=d.get("master"), reached=d.get("reached"),
                              rating=d.get("rating", ""))
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                flash.success(request, _("Done: %(action)s.") % {"action": CallAction(action).label})
                return redirect("servicedesk:hotline_call", pk=call.pk)
        forms["failed"] = action
        return self.render_page(call, forms)


# --- message box: staff -------------------------------------------------------------------------------------
class InboxView(PermissionRequiredMixin, View):
    required_permission = ANSWER

    def get(self, request):
        qs = Message.objects.visible_to(request.user, ANSWER).select_related("community", "district")
        state = request.GET.get("state", MessageState.OPEN)
        if state in MessageState.values:
            qs = qs.filter(state=state)
        page = Paginator(qs.order_by("-submitted_at", "-pk"), 50).get_page(request.GET.get("page"))
        return render(request, "servicedesk/messages/inbox.html", {
            "page": page, "state": state, "states": MessageState.choices})


class MessageDetailView(ScopedObjectMixin, View):
    model = Message
    scope_permission = ANSWER
    required_permission = ANSWER

    def get(self, request, pk, form=None):
        message = self.get_object()
        return render(request, "servicedesk/messages/detail.html", {
            "message": message, "form": form or MessageAnswerForm()})

    def post(self, request, pk):
        message = self.get_object()
        form = MessageAnswerForm(request.POST)
        if form.is_valid():
            try:
                sh.answer_message(message, actor=request.user, answer=form.cleaned_data["answer"])
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                flash.success(request, _("Answer saved."))
                return redirect("servicedesk:message_detail", pk=message.pk)
        return self.get(request, pk, form=form)


# --- message box: public ------------------------------------------------------------------------------------
def _public_nodes():
    return Node.objects.filter(level__in=[Level.DISTRICT, Level.COMMUNITY]).order_by("code")


def message_box(request):
    """信箱留言 / 建言献策: anyone leaves a message (a phone is asked of those not logged in)."""
    user = request.user if request.user.is_authenticated else None
    initial = {"kind": request.GET.get("kind") or MessageKind.MESSAGE}
    if user is not None:
        initial["name"] = getattr(user, "full_name", "") or user.username
    form = MessageForm(request.POST or None, nodes=_public_nodes(), initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            message = sh.leave_message(node=d["node"], kind=d["kind"], subject=d["subject"], content=d["content"],
                                       name=d["name"], phone=d["phone"], is_public=d["is_public"], author=user)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            return render(request, "servicedesk/messages/thanks.html", {"number": message.number})
    return render(request, "servicedesk/messages/box.html", {"form": form})


def public_answers(request):
    """The answered public messages and suggestions, the author's name masked, no phone."""
    qs = Message.objects.filter(is_public=True, state=MessageState.ANSWERED).select_related("community", "district")
    kind = request.GET.get("kind", "")
    if kind in MessageKind.values:
        qs = qs.filter(kind=kind)
    page = Paginator(qs.order_by("-answered_at", "-pk"), 20).get_page(request.GET.get("page"))
    rows = [{"number": m.number, "kind": m.get_kind_display(), "to": (m.community or m.district).name,
             "author": sh.mask_name(m.author_name), "subject": m.subject, "content": m.content,
             "submitted_at": m.submitted_at, "answer": m.answer, "answered_at": m.answered_at}
            for m in page.object_list]
    return render(request, "servicedesk/messages/answers.html", {
        "page": page, "rows": rows, "kind": kind, "kinds": MessageKind.choices})


__all__ = ["OPEN_STATES"]
