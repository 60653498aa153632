"""Writes of party members in service (在职党员报到、认领岗位) and their figures.

A member reports to the community where he lives (by himself, VOLUNTEER_SELF, or recorded by the community,
VOLUNTEERS_MANAGE); the community publishes posts; members claim them; the community records the hours served on a
claimed post as ``ServiceRecord(source=party_post)`` (pending) and confirms them, which runs the same rewards hook
as any volunteer's confirmed hours.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from sanshe.accounts.roles import Perm
from sanshe.core import audit, txn
from sanshe.core.exceptions import Denied, OutOfScope
from sanshe.core.services import require, require_visible
from sanshe.core.workflow import actor_name
from sanshe.territory.choices import Level
from sanshe.territory.models import Node

from . import rewards
from .choices import RecordSource, RecordState
from .choices_rewards import ClaimState
from .models import ServiceRecord, Volunteer
from .models_party import PartyPost, PartyReport, PostClaim, PostService
from .models_rewards import self_district_ids
from .services_rewards import volunteer_of

MANAGE, SELF = Perm.VOLUNTEERS_MANAGE, Perm.VOLUNTEER_SELF


def _error(field: str, message: str):
    raise ValidationError({field: [message]})


def report(*, actor, community: Node, work_unit: str, party_branch: str, volunteer: Volunteer | None = None,
           reported_on: dt.date | None = None) -> PartyReport:
    """A party member reports to the community where he lives. Staff record it for a registered volunteer;
    a volunteer reports himself. The volunteer is marked a party member."""
    errors = {}
    if not (work_unit or "").strip():
        errors["work_unit"] = [_("Give the work unit.")]
    if not (party_branch or "").strip():
        errors["party_branch"] = [_("Give the party branch.")]
    if errors:
        raise ValidationError(errors)
    by_staff = volunteer is not None
    with txn.atomic():
        if by_staff:
            require(actor, MANAGE)
            community = require_visible(Node, community, actor, MANAGE)
            volunteer = require_visible(Volunteer, volunteer, actor, MANAGE, lock=True)
        else:
            require(actor, SELF)
            volunteer = volunteer_of(actor)
            if volunteer is None:
                _error("volunteer", _("Register as a volunteer first."))
            volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
            if community.district_id not in self_district_ids(actor):
                raise OutOfScope(SELF, community)
        if community.level != Level.COMMUNITY:
            _error("community", _("Pick a community."))
        if PartyReport.objects.filter(volunteer=volunteer, community=community, left_on__isnull=True).exists():
            _error("community", _("%(name)s has already reported to %(community)s.") % {
                "name": volunteer.name, "community": community.name})
        row = PartyReport(volunteer=volunteer, work_unit=work_unit.strip()[:100],
                          party_branch=party_branch.strip()[:100], reported_on=reported_on or timezone.localdate(),
                          recorded_by=actor)
        row.copy_ancestors_from(community)
        row.save()
        if not volunteer.is_party_member:
            volunteer.is_party_member = True
            volunteer.save(update_fields=["is_party_member", "updated_at"])
        audit.record("volunteers.party.reported", obj=row, actor=actor, after=audit.snapshot(row))
    return row


def leave(row: PartyReport, *, actor, on: dt.date | None = None) -> PartyReport:
    require(actor, MANAGE)
    with txn.atomic():
        row = require_visible(PartyReport, row, actor, MANAGE, lock=True)
        if row.left_on is not None:
            _error("left_on", _("Already left."))
        row.left_on = on or timezone.localdate()
        row.save(update_fields=["left_on", "updated_at"])
        audit.record("volunteers.party.left", obj=row, actor=actor)
    return row


def save_post(*, actor, community: Node, title: str, description: str = "", slots: int = 1,
              post: PartyPost | None = None, is_open: bool = True) -> PartyPost:
    require(actor, MANAGE)
    errors = {}
    if not (title or "").strip():
        errors["title"] = [_("Give the post a title.")]
    if slots is None or int(slots) < 1:
        errors["slots"] = [_("At least one slot.")]
    if errors:
        raise ValidationError(errors)
    with txn.atomic():
        community = require_visible(Node, community, actor, MANAGE)
        if community.level != Level.COMMUNITY:
            _error("community", _("Pick a community."))
        before = None
        if post is not None:
            post = require_visible(PartyPost, post, actor, MANAGE, lock=True)
            before = audit.snapshot(post)
        else:
            post = PartyPost(created_by=actor)
        post.title, post.description, post.slots, post.is_open = (title.strip()[:100], description or "",
                                                                  int(slots), is_open)
        post.copy_ancestors_from(community)
        post.save()
        audit.record("volunteers.party.post_saved", obj=post, before=before, after=audit.snapshot(post), actor=actor)
    return post


def active_claims(post: PartyPost):
    return post.claims.filter(state=ClaimState.CLAIMED)


def claim(post: PartyPost, *, actor, report_row: PartyReport | None = None) -> PostClaim:
    """A reported member claims a post of his community (himself; or the community for him). Slots are checked
    under the post's lock."""
    with txn.atomic():
        if report_row is not None:
            require(actor, MANAGE)
            post = require_visible(PartyPost, post, actor, MANAGE, lock=True)
            report_row = require_visible(PartyReport, report_row, actor, MANAGE)
        else:
            require(actor, SELF)
            volunteer = volunteer_of(actor)
            if volunteer is None:
                _error("post", _("Register as a volunteer first."))
            post = require_visible(PartyPost, post, actor, SELF, lock=True)
            report_row = PartyReport.objects.filter(volunteer=volunteer, community_id=post.community_id,
                                                    left_on__isnull=True).first()
            if report_row is None:
                _error("post", _("Report to %(community)s first.") % {"community": post.community.name})
        if report_row.left_on is not None or report_row.community_id != post.community_id:
            _error("post", _("The member has not reported to this post's community."))
        if not post.is_open:
            _error("post", _("This post is closed."))
        existing = PostClaim.objects.filter(post=post, report=report_row).first()
        if existing is not None and existing.state == ClaimState.CLAIMED:
            _error("post", _("Already claimed."))
        if active_claims(post).count() >= post.slots:
            _error("post", _("All slots of this post are taken."))
        if existing is not None:
            existing.state, existing.claimed_at = ClaimState.CLAIMED, timezone.now()
            existing.save(update_fields=["state", "claimed_at", "updated_at"])
            row = existing
        else:
            row = PostClaim(post=post, report=report_row, claimed_at=timezone.now())
            row.copy_ancestors_from(post)
            row.save()
        audit.record("volunteers.party.claimed", obj=row, actor=actor)
    return row


def withdraw_claim(row: PostClaim, *, actor) -> PostClaim:
    with txn.atomic():
        if actor.has_permission(MANAGE) and PostClaim.objects.visible_to(actor, MANAGE).filter(pk=row.pk).exists():
            row = PostClaim.objects.select_for_update().get(pk=row.pk)
        else:
            require(actor, SELF)
            row = PostClaim.objects.select_for_update().get(pk=row.pk)
            if row.report.volunteer.user_id != actor.pk:
                raise Denied(SELF, row)
        if row.state != ClaimState.CLAIMED:
            _error("state", _("This claim is already withdrawn."))
        row.state = ClaimState.WITHDRAWN
        row.save(update_fields=["state", "updated_at"])
        audit.record("volunteers.party.claim_withdrawn", obj=row, actor=actor)
    return row


def record_service(row: PostClaim, *, actor, started_at: dt.datetime, hours, content: str = "",
                   place: str = "") -> ServiceRecord:
    """The community records hours served on a claimed post: a pending ``ServiceRecord(source=party_post)``."""
    require(actor, MANAGE)
    try:
        hours = Decimal(str(hours)).quantize(Decimal("0.01"))
    except Exception:  # noqa: BLE001
        _error("hours", _("Give a number of hours."))
    if hours <= 0 or hours > 24:
        _error("hours", _("Give between 0 and 24 hours."))
    if started_at > timezone.now():
        _error("started_at", _("The service cannot start in the future."))
    with txn.atomic():
        row = require_visible(PostClaim, row, actor, MANAGE, lock=True)
        volunteer = row.report.volunteer
        record = ServiceRecord(volunteer=volunteer, source=RecordSource.PARTY_POST, started_at=started_at,
                               ended_at=started_at + dt.timedelta(hours=float(hours)), hours=hours,
                               place=(place or row.post.community.name)[:200],
                               content=(content or row.post.title)[:255], state=RecordState.PENDING)
        record.copy_ancestors_from(row.post)
        record.save()
        PostService.objects.create(claim=row, record=record)
        audit.record("volunteers.party.service_recorded", obj=record, actor=actor,
                     extra={"claim": row.pk, "hours": hours})
    return record


def confirm_service(record: ServiceRecord, *, actor, approve: bool = True) -> ServiceRecord:
    """The community confirms (or rejects) hours served on one of its posts; confirmed hours earn like any."""
    require(actor, MANAGE)
    with txn.atomic():
        record = require_visible(ServiceRecord, record, actor, MANAGE, lock=True)
        if record.source != RecordSource.PARTY_POST or not PostService.objects.filter(record=record).exists():
            _error("record", _("This is not a party member post's record."))
        if record.state != RecordState.PENDING:
            _error("state", _("This record is not awaiting confirmation."))
        at = timezone.now()
        record.state = RecordState.CONFIRMED if approve else RecordState.REJECTED
        record.confirmed_by, record.confirmed_at, record.confirmer_name = actor, at, actor_name(actor)[:100]
        record.save(update_fields=["state", "confirmed_by", "confirmed_at", "confirmer_name", "updated_at"])
        if approve:
            from .services_activities import add_service_timeline

            rewards.on_hours_confirmed(record)
            add_service_timeline(record, at)  # the household file, as for an activity's confirmed hours
        audit.record("volunteers.party.service_confirmed" if approve else "volunteers.party.service_rejected",
                     obj=record, actor=actor, extra={"hours": record.hours})
    return record


def figures(communities) -> list[dict]:
    """Per community: members reported (still serving), posts, active claims, confirmed post hours."""
    ids = [c.pk for c in communities]
    reports = dict(PartyReport.objects.filter(community_id__in=ids, left_on__isnull=True).values_list(
        "community_id").annotate(n=Count("id")).order_by())
    posts = dict(PartyPost.objects.filter(community_id__in=ids).values_list("community_id").annotate(
        n=Count("id")).order_by())
    claims = dict(PostClaim.objects.filter(community_id__in=ids, state=ClaimState.CLAIMED).values_list(
        "community_id").annotate(n=Count("id")).order_by())
    hours = dict(ServiceRecord.objects.filter(community_id__in=ids, source=RecordSource.PARTY_POST,
                                              state=RecordState.CONFIRMED).values_list("community_id").annotate(
        h=Sum("hours")).order_by())
    rows = [{"community": c, "reported": reports.get(c.pk, 0), "posts": posts.get(c.pk, 0),
             "claims": claims.get(c.pk, 0), "hours": hours.get(c.pk) or Decimal(0)} for c in communities]
    return rows


def totals(rows: list[dict]) -> dict:
    return {k: sum((r[k] for r in rows), Decimal(0) if k == "hours" else 0)
            for k in ("reported", "posts", "claims", "hours")}

