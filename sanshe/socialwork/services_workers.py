"""Writes and computations of the social workers' roster: workers, posts, certificates, the subsidy table, the
monthly subsidy roll, trainings, and the figures.

Same rules as every service: the permission required inside (``socialwork.manage`` for the roster and trainings,
``socialwork.subsidy`` for the table and the roll), the territory re-checked through ``visible_to`` inside one
transaction, one audit entry inside it, validation errors keyed by field.

The roll (:func:`compute_roll`) is a pure function of dated rows — certificate registration / expiry / revocation
dates, rate effective dates, post dates — so it gives the same answer for a past month whenever it is computed;
confirming it (:func:`confirm_roll`) freezes the lines that were paid.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from sanshe.accounts.roles import Perm
from sanshe.core import audit, txn
from sanshe.core.services import require, require_visible
from sanshe.territory.choices import Level, ResidentStatus
from sanshe.territory.models import Node, Resident

from .choices_workers import LEVEL_RANK, LEVELS_HIGH_FIRST, CertificateLevel, Exclusion, TrainingKind
from .models import SocialWorker
from .models_workers import SubsidyPayment, SubsidyRate, SubsidyRoll, Training, WorkerCertificate, WorkerPost

VIEW, MANAGE, SUBSIDY = Perm.SOCIALWORK_VIEW, Perm.SOCIALWORK_MANAGE, Perm.SOCIALWORK_SUBSIDY
PRACTICE = Perm.SOCIALWORK_PRACTICE
ROSTER_LEVELS = (Level.DISTRICT, Level.STREET, Level.COMMUNITY)
MAX_RATE = Decimal("100000")
MAX_TRAINING_HOURS = Decimal("200")
WORKER_FIELDS = ["name", "user_id", "resident_id", "employer_id", "post", "is_active", "district_id", "street_id",
                 "community_id"]
CERT_FIELDS = ["level", "number", "issued_on", "registered_on", "valid_until", "revoked_on", "revoke_reason"]


# --- helpers ---------------------------------------------------------------------------------------------------
def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def territory_filter(node: Node, prefix: str = "") -> Q:
    """Rows whose copied ancestors put them inside ``node`` (a district, street or community)."""
    if node.level not in ROSTER_LEVELS:
        raise ValueError(f"not a roster level: {node.level}")
    return Q(**{f"{prefix}{node.level}_id": node.pk})


def places(user, permission: str = VIEW):
    """Districts, streets and communities where ``user`` holds ``permission`` (active, by code)."""
    return Node.objects.visible_to(user, permission).filter(level__in=ROSTER_LEVELS, is_active=True).order_by("code")


def top_place(user, permission: str = VIEW) -> Node | None:
    """The widest place the user reaches with ``permission`` (his district, street or community)."""
    nodes = list(places(user, permission))
    nodes.sort(key=lambda n: (ROSTER_LEVELS.index(n.level), n.code))
    return nodes[0] if nodes else None


def _check_place(actor, node, permission, field_name="node"):
    if node is None:
        raise ValidationError({field_name: _("Choose a district, street or community.")})
    if node.level not in ROSTER_LEVELS:
        raise ValidationError({field_name: _("Choose a district, street or community.")})
    require_visible(Node, node, actor, permission)


def normalize_number(number: str) -> str:
    return "".join((number or "").split()).upper()


# --- workers and posts -----------------------------------------------------------------------------------------
def _check_worker_links(worker_pk, *, user, resident, employer, actor):
    errors = {}
    if user is not None and SocialWorker.objects.filter(user=user).exclude(pk=worker_pk).exists():
        errors["user"] = _("This account is already linked to another social worker.")
    districts = set(places(actor, MANAGE).values_list("district_id", flat=True))
    if resident is not None and resident.district_id not in districts:
        errors["resident"] = _("This resident is not in your district.")
    if employer is not None and employer.district_id not in districts:
        errors["employer"] = _("This organization is not in your district.")
    if errors:
        raise ValidationError(errors)


def create_worker(*, actor, node: Node, name: str, user=None, resident=None, employer=None, post: str = "",
                  started_on: dt.date | None = None, is_active: bool = True) -> SocialWorker:
    """Put a social worker on the roster at ``node`` (the district, street or community he works in); with an
    employer, his first post starts on ``started_on`` (today by default)."""
    require(actor, MANAGE)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the name.")})
    with txn.atomic():
        _check_place(actor, node, MANAGE)
        _check_worker_links(None, user=user, resident=resident, employer=employer, actor=actor)
        worker = SocialWorker(name=name, user=user, resident=resident, employer=employer, post=(post or "").strip(),
                              is_active=is_active)
        worker.copy_ancestors_from(node)
        if node.level == Level.DISTRICT:
            worker.district_id = node.pk
        worker.save()
        if employer is not None or worker.post:
            WorkerPost.objects.create(worker=worker, employer=employer, title=worker.post or _("Social worker"),
                                      started_on=started_on or timezone.localdate())
        audit.record("socialwork.worker.created", obj=worker, actor=actor,
                     after=audit.snapshot(worker, WORKER_FIELDS))
    return worker


def update_worker(worker: SocialWorker, *, actor, node: Node, name: str, user=None, resident=None,
                  is_active: bool = True) -> SocialWorker:
    """Change a worker's name, place, account, registry link or active flag (employer and post change through
    :func:`add_post`)."""
    require(actor, MANAGE)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the name.")})
    with txn.atomic():
        worker = require_visible(SocialWorker, worker, actor, MANAGE, lock=True)
        _check_place(actor, node, MANAGE)
        _check_worker_links(worker.pk, user=user, resident=resident, employer=None, actor=actor)
        before = audit.snapshot(worker, WORKER_FIELDS)
        worker.name, worker.user, worker.resident, worker.is_active = name, user, resident, is_active
        worker.copy_ancestors_from(node)
        if node.level == Level.DISTRICT:
            worker.district_id = node.pk
        worker.save()
        audit.record("socialwork.worker.updated", obj=worker, actor=actor, before=before,
                     after=audit.snapshot(worker, WORKER_FIELDS))
    return worker


def add_post(worker: SocialWorker, *, actor, employer, title: str, started_on: dt.date) -> WorkerPost:
    """A new post: the open one ends the day before; the worker's current employer and post follow."""
    require(actor, MANAGE)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the post title.")})
    if started_on is None:
        raise ValidationError({"started_on": _("Give the first day of the post.")})
    with txn.atomic():
        worker = require_visible(SocialWorker, worker, actor, MANAGE, lock=True)
        _check_worker_links(worker.pk, user=None, resident=None, employer=employer, actor=actor)
        latest = worker.posts.order_by("-started_on", "-pk").first()
        if latest is not None and latest.started_on >= started_on:
            raise ValidationError({"started_on": _("The new post must start after %(date)s, when the last one "
                                                   "started.") % {"date": latest.started_on}})
        for open_post in worker.posts.filter(Q(ended_on__isnull=True) | Q(ended_on__gte=started_on)):
            open_post.ended_on = started_on - dt.timedelta(days=1)
            open_post.save(update_fields=["ended_on", "updated_at"])
        post = WorkerPost.objects.create(worker=worker, employer=employer, title=title, started_on=started_on)
        worker.employer, worker.post = employer, title
        worker.save(update_fields=["employer", "post", "updated_at"])
        audit.record("socialwork.post.added", obj=worker, actor=actor,
                     after={"employer": str(employer or ""), "title": title, "started_on": str(started_on)})
    return post


def end_post(worker: SocialWorker, *, actor, ended_on: dt.date) -> SocialWorker:
    """The worker leaves his post on ``ended_on`` (and the roster's active flag goes off)."""
    require(actor, MANAGE)
    with txn.atomic():
        worker = require_visible(SocialWorker, worker, actor, MANAGE, lock=True)
        post = worker.posts.filter(ended_on__isnull=True).order_by("-started_on").first()
        if post is None:
            raise ValidationError({"ended_on": _("There is no open post to end.")})
        if ended_on is None or ended_on < post.started_on:
            raise ValidationError({"ended_on": _("The post cannot end before it started.")})
        post.ended_on = ended_on
        post.save(update_fields=["ended_on", "updated_at"])
        worker.is_active = False
        worker.save(update_fields=["is_active", "updated_at"])
        audit.record("socialwork.post.ended", obj=worker, actor=actor, after={"ended_on": str(ended_on)})
    return worker


# --- certificates ----------------------------------------------------------------------------------------------
def _clean_certificate(pk, *, level, number, issued_on, registered_on, valid_until) -> str:
    errors = {}
    number = normalize_number(number)
    if level not in CertificateLevel.values:
        errors["level"] = _("Choose a level.")
    if not number:
        errors["number"] = _("Give the certificate number.")
    elif len(number) > 40:
        errors["number"] = _("At most 40 characters.")
    elif WorkerCertificate.objects.filter(number=number).exclude(pk=pk).exists():
        errors["number"] = _("A certificate with this number is already on the roster.")
    if issued_on is None:
        errors["issued_on"] = _("Give the date of issue.")
    else:
        if registered_on is not None and registered_on < issued_on:
            errors["registered_on"] = _("A certificate is registered after it is issued.")
        if valid_until is not None and valid_until < issued_on:
            errors["valid_until"] = _("The certificate cannot expire before it is issued.")
    if errors:
        raise ValidationError(errors)
    return number


def add_certificate(worker: SocialWorker, *, actor, level: str, number: str, issued_on: dt.date,
                    registered_on: dt.date | None = None, valid_until: dt.date | None = None) -> WorkerCertificate:
    require(actor, MANAGE)
    with txn.atomic():
        worker = require_visible(SocialWorker, worker, actor, MANAGE, lock=True)
        number = _clean_certificate(None, level=level, number=number, issued_on=issued_on,
                                    registered_on=registered_on, valid_until=valid_until)
        cert = WorkerCertificate.objects.create(worker=worker, level=level, number=number, issued_on=issued_on,
                                                registered_on=registered_on, valid_until=valid_until)
        audit.record("socialwork.certificate.added", obj=cert, actor=actor, after=audit.snapshot(cert, CERT_FIELDS))
    return cert


def update_certificate(cert: WorkerCertificate, *, actor, level: str, number: str, issued_on: dt.date,
                       registered_on: dt.date | None = None, valid_until: dt.date | None = None
                       ) -> WorkerCertificate:
    """Correct a certificate or record its registration / renewal (a new ``valid_until``)."""
    require(actor, MANAGE)
    with txn.atomic():
        cert = require_visible(WorkerCertificate, cert, actor, MANAGE, lock=True)
        number = _clean_certificate(cert.pk, level=level, number=number, issued_on=issued_on,
                                    registered_on=registered_on, valid_until=valid_until)
        before = audit.snapshot(cert, CERT_FIELDS)
        cert.level, cert.number, cert.issued_on = level, number, issued_on
        cert.registered_on, cert.valid_until = registered_on, valid_until
        cert.save()
        audit.record("socialwork.certificate.updated", obj=cert, actor=actor, before=before,
                     after=audit.snapshot(cert, CERT_FIELDS))
    return cert


def revoke_certificate(cert: WorkerCertificate, *, actor, revoked_on: dt.date | None = None,
                       reason: str = "") -> WorkerCertificate:
    """Revoke from ``revoked_on`` (today by default): the certificate is no longer valid from that day."""
    require(actor, MANAGE)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason.")})
    with txn.atomic():
        cert = require_visible(WorkerCertificate, cert, actor, MANAGE, lock=True)
        if cert.revoked_on is not None:
            raise ValidationError({"reason": _("This certificate is already revoked.")})
        revoked_on = revoked_on or timezone.localdate()
        if revoked_on < cert.issued_on:
            raise ValidationError({"revoked_on": _("A certificate cannot be revoked before it is issued.")})
        cert.revoked_on, cert.revoke_reason = revoked_on, reason[:200]
        cert.save(update_fields=["revoked_on", "revoke_reason", "updated_at"])
        audit.record("socialwork.certificate.revoked", obj=cert, actor=actor,
                     after={"revoked_on": str(revoked_on), "reason": reason[:200]})
    return cert


def highest_valid(certificates, day: dt.date) -> WorkerCertificate | None:
    valid = [c for c in certificates if c.is_valid_on(day)]
    return max(valid, key=lambda c: (LEVEL_RANK[c.level], c.issued_on, c.pk)) if valid else None


# --- subsidy table ---------------------------------------------------------------------------------------------
def set_rate(*, actor, region: Node, level: str, effective_from: dt.date, amount, note: str = "") -> SubsidyRate:
    """Enter a line of the table; the same region, level and date again changes its amount (audited)."""
    require(actor, SUBSIDY)
    errors = {}
    if level not in CertificateLevel.values:
        errors["level"] = _("Choose a level.")
    if effective_from is None:
        errors["effective_from"] = _("Give the date from which the rate applies.")
    try:
        amount = Decimal(str(amount)).quantize(Decimal("0.01"))
    except Exception:  # noqa: BLE001 - any unreadable amount is the same field error
        errors["amount"] = _("Give the amount in yuan per month.")
    else:
        if amount < 0 or amount > MAX_RATE:
            errors["amount"] = _("The amount must be between 0 and 100,000 yuan per month.")
    if errors:
        raise ValidationError(errors)
    with txn.atomic():
        _check_place(actor, region, SUBSIDY, "region")
        rate = SubsidyRate.objects.select_for_update().filter(region=region, level=level,
                                                              effective_from=effective_from).first()
        if rate is None:
            rate = SubsidyRate(region=region, level=level, effective_from=effective_from, created_by=actor)
            rate.copy_ancestors_from(region)
            if region.level == Level.DISTRICT:
                rate.district_id = region.pk
            before = {}
        else:
            before = {"amount": str(rate.amount), "note": rate.note}
        rate.amount, rate.note = amount, (note or "").strip()[:200]
        rate.save()
        audit.record("socialwork.subsidy_rate.set", obj=rate, actor=actor, before=before,
                     after={"region": region.code, "level": level, "effective_from": str(effective_from),
                            "amount": str(amount), "note": rate.note})
    return rate


class RateTable:
    """The rates of a district held in memory, resolved per (level, place, month) without further queries."""

    def __init__(self, district_ids):
        self.by_key: dict[tuple[int, str], list[SubsidyRate]] = defaultdict(list)
        for rate in SubsidyRate.objects.filter(district_id__in=list(district_ids)).select_related("region"):
            self.by_key[(rate.region_id, rate.level)].append(rate)
        for rates in self.by_key.values():
            rates.sort(key=lambda r: r.effective_from, reverse=True)

    def resolve(self, level: str, place_ids, month: dt.date) -> SubsidyRate | None:
        """``place_ids``: most specific first (community, street, district); the first region holding a rate
        effective on or before the month's first day wins, with its newest such rate."""
        first = month_start(month)
        for place_id in place_ids:
            if place_id is None:
                continue
            for rate in self.by_key.get((place_id, level), ()):
                if rate.effective_from <= first:
                    return rate
        return None


def resolve_rate(level: str, worker: SocialWorker, month: dt.date) -> SubsidyRate | None:
    return RateTable([worker.district_id]).resolve(level, _place_ids(worker), month)


def _place_ids(worker) -> tuple:
    return (worker.community_id, worker.street_id, worker.district_id)


# --- the monthly roll ------------------------------------------------------------------------------------------
@dataclass
class RollLine:
    worker: SocialWorker
    certificate: WorkerCertificate
    rate: SubsidyRate
    amount: Decimal

    @property
    def level(self) -> str:
        return self.certificate.level


@dataclass
class RollExclusion:
    worker: SocialWorker
    reason: str
    certificate: WorkerCertificate | None = None

    @property
    def reason_label(self) -> str:
        return str(Exclusion(self.reason).label)


@dataclass
class Roll:
    node: Node
    month: dt.date
    lines: list[RollLine] = field(default_factory=list)
    excluded: list[RollExclusion] = field(default_factory=list)
    confirmed: SubsidyRoll | None = None

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0"))

    @property
    def by_level(self) -> list[dict]:
        out = []
        for level in LEVELS_HIGH_FIRST:
            lines = [line for line in self.lines if line.level == level]
            out.append({"level": level, "label": CertificateLevel(level).label, "count": len(lines),
                        "total": sum((line.amount for line in lines), Decimal("0"))})
        return out


def roll_candidates(node: Node, month: dt.date):
    """Workers of ``node`` who count for the month: in post during it, or (no post history) active."""
    first, last = month_bounds(month)
    return (SocialWorker.objects.filter(territory_filter(node))
            .filter(Q(posts__isnull=True, is_active=True)
                    | Q(posts__started_on__lte=last) & (Q(posts__ended_on__isnull=True) | Q(posts__ended_on__gte=first)))
            .distinct().select_related("community", "street", "district", "employer")
            .prefetch_related("certificates").order_by("name", "pk"))


def _why_not(certificates, first: dt.date, last: dt.date) -> tuple[str, WorkerCertificate | None]:
    if not certificates:
        return Exclusion.NO_CERTIFICATE, None
    best = max(certificates, key=lambda c: (LEVEL_RANK[c.level], c.issued_on, c.pk))
    if best.registered_on is None:
        return Exclusion.NOT_REGISTERED, best
    if best.revoked_on is not None and best.revoked_on <= max(first, best.registered_on):
        return Exclusion.REVOKED, best
    if best.registered_on > last:
        return Exclusion.NOT_YET_VALID, best
    return Exclusion.EXPIRED, best


def compute_roll(node: Node, month: dt.date) -> Roll:
    """The month's roll of ``node``: one line per worker holding a certificate valid on at least one day of the
    month (his highest such level), at the rate the table gives for his place; the others, with the reason."""
    first, last = month_bounds(month)
    roll = Roll(node=node, month=first)
    table = RateTable([node.district_id or node.pk])
    for worker in roll_candidates(node, first):
        certificates = list(worker.certificates.all())
        valid = [c for c in certificates if c.valid_days(first, last)]
        if not valid:
            reason, cert = _why_not(certificates, first, last)
            roll.excluded.append(RollExclusion(worker, reason, cert))
            continue
        cert = max(valid, key=lambda c: (LEVEL_RANK[c.level], c.issued_on, c.pk))
        rate = table.resolve(cert.level, _place_ids(worker), first)
        if rate is None:
            roll.excluded.append(RollExclusion(worker, Exclusion.NO_RATE, cert))
            continue
        roll.lines.append(RollLine(worker, cert, rate, rate.amount))
    roll.confirmed = SubsidyRoll.objects.filter(node=node, month=first).first()
    return roll


def confirm_roll(*, actor, node: Node, month: dt.date) -> SubsidyRoll:
    """Freeze the month's roll of ``node``: its lines become the payments. A worker is paid once a month: a roll
    overlapping one already confirmed (the same workers in a wider or narrower place) is refused."""
    require(actor, SUBSIDY)
    first = month_start(month)
    if first > month_start(timezone.localdate()):
        raise ValidationError({"month": _("A future month cannot be confirmed.")})
    with txn.atomic():
        _check_place(actor, node, SUBSIDY)
        if SubsidyRoll.objects.filter(node=node, month=first).exists():
            raise ValidationError({"month": _("This month's roll is already confirmed.")})
        roll = compute_roll(node, first)
        paid = SubsidyPayment.objects.filter(roll__month=first, worker__in=[line.worker for line in roll.lines])
        if paid.exists():
            names = ", ".join(sorted({p.worker_name for p in paid[:5]}))
            raise ValidationError({"month": _("Already paid this month in another roll: %(names)s.")
                                   % {"names": names}})
        frozen = SubsidyRoll(node=node, month=first, headcount=len(roll.lines), total=roll.total,
                             confirmed_by=actor, confirmed_at=timezone.now())
        frozen.copy_ancestors_from(node)
        if node.level == Level.DISTRICT:
            frozen.district_id = node.pk
        frozen.save()
        SubsidyPayment.objects.bulk_create([
            SubsidyPayment(roll=frozen, worker=line.worker, worker_name=line.worker.name, certificate=line.certificate,
                           certificate_number=line.certificate.number, level=line.level, rate=line.rate,
                           region_name=line.rate.region.name, amount=line.amount) for line in roll.lines])
        audit.record("socialwork.subsidy_roll.confirmed", obj=frozen, actor=actor,
                     after={"node": node.code, "month": f"{first:%Y-%m}", "headcount": frozen.headcount,
                            "total": str(frozen.total),
                            "workers": [line.worker.pk for line in roll.lines]})
    return frozen


# --- trainings -------------------------------------------------------------------------------------------------
def _clean_training(actor, *, title, kind, held_on, hours, attendees):
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("Give the title.")
    if kind not in TrainingKind.values:
        errors["kind"] = _("Choose central or on-site.")
    if held_on is None:
        errors["held_on"] = _("Give the date.")
    try:
        hours = Decimal(str(hours))
    except Exception:  # noqa: BLE001
        errors["hours"] = _("Give the hours.")
    else:
        if hours <= 0 or hours > MAX_TRAINING_HOURS:
            errors["hours"] = _("The hours must be more than 0 and at most 200.")
    attendees = list(attendees or [])
    visible = set(SocialWorker.objects.visible_to(actor, MANAGE).filter(
        pk__in=[w.pk for w in attendees]).values_list("pk", flat=True))
    if any(w.pk not in visible for w in attendees):
        errors["attendees"] = _("An attendee is not on your roster.")
    if errors:
        raise ValidationError(errors)
    return hours, attendees


def record_training(*, actor, node: Node, title: str, kind: str, held_on: dt.date, hours, place: str = "",
                    organizer: str = "", attendees=()) -> Training:
    require(actor, MANAGE)
    hours, attendees = _clean_training(actor, title=title, kind=kind, held_on=held_on, hours=hours,
                                       attendees=attendees)
    with txn.atomic():
        _check_place(actor, node, MANAGE)
        training = Training(title=title.strip(), kind=kind, held_on=held_on, hours=hours,
                            place=(place or "").strip(), organizer=(organizer or "").strip(), recorded_by=actor)
        training.copy_ancestors_from(node)
        if node.level == Level.DISTRICT:
            training.district_id = node.pk
        training.save()
        training.attendees.set(attendees)
        audit.record("socialwork.training.recorded", obj=training, actor=actor,
                     after={"title": training.title, "kind": kind, "held_on": str(held_on), "hours": str(hours),
                            "attendees": [w.pk for w in attendees]})
    return training


def update_training(training: Training, *, actor, title: str, kind: str, held_on: dt.date, hours, place: str = "",
                    organizer: str = "", attendees=()) -> Training:
    require(actor, MANAGE)
    hours, attendees = _clean_training(actor, title=title, kind=kind, held_on=held_on, hours=hours,
                                       attendees=attendees)
    with txn.atomic():
        training = require_visible(Training, training, actor, MANAGE, lock=True)
        before = {"title": training.title, "kind": training.kind, "held_on": str(training.held_on),
                  "hours": str(training.hours), "attendees": sorted(training.attendees.values_list("pk", flat=True))}
        training.title, training.kind, training.held_on, training.hours = title.strip(), kind, held_on, hours
        training.place, training.organizer = (place or "").strip(), (organizer or "").strip()
        training.save()
        training.attendees.set(attendees)
        audit.record("socialwork.training.updated", obj=training, actor=actor, before=before,
                     after={"title": training.title, "kind": kind, "held_on": str(held_on), "hours": str(hours),
                            "attendees": sorted(w.pk for w in attendees)})
    return training


# --- figures ---------------------------------------------------------------------------------------------------
def certified_by_level(node: Node, day: dt.date) -> dict[str, int]:
    """Active workers of ``node`` holding a certificate valid on ``day``, counted once at their highest level."""
    counts = {level: 0 for level in LEVELS_HIGH_FIRST}
    certs = WorkerCertificate.objects.filter(territory_filter(node, "worker__"), worker__is_active=True,
                                             registered_on__lte=day).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=day)).filter(
        Q(revoked_on__isnull=True) | Q(revoked_on__gt=day)).values_list("worker_id", "level")
    best: dict[int, str] = {}
    for worker_id, level in certs:
        if worker_id not in best or LEVEL_RANK[level] > LEVEL_RANK[best[worker_id]]:
            best[worker_id] = level
    for level in best.values():
        counts[level] += 1
    return counts


def figures(node: Node, *, day: dt.date | None = None, year: int | None = None, months: int = 6) -> dict:
    """The roster's figures for ``node`` (any level), computed live: certified workers by level and per 10,000
    residents (在册 in the registry), trainings of the year by kind with person-times and hours, and the subsidy
    per month (computed by the roll, and paid by confirmed rolls)."""
    day = day or timezone.localdate()
    year = year or day.year
    by_level = certified_by_level(node, day)
    certified = sum(by_level.values())
    residents = Resident.objects.filter(territory_filter(node), status=ResidentStatus.REGISTERED).count()
    per_10k = (Decimal(certified) * 10000 / residents).quantize(Decimal("0.01")) if residents else None
    workers = SocialWorker.objects.filter(territory_filter(node), is_active=True).count()
    trainings = Training.objects.filter(territory_filter(node), held_on__year=year)
    training_rows = {row["kind"]: row for row in trainings.values("kind").annotate(
        n=Count("id", distinct=True), people=Count("attendees"), ).order_by()}
    hours = {row["kind"]: row["h"] for row in trainings.values("kind").annotate(h=Sum("hours")).order_by()}
    training_lines = []
    for kind in TrainingKind:
        row = training_rows.get(kind.value, {})
        training_lines.append({"kind": kind.value, "label": kind.label, "count": row.get("n", 0),
                               "person_times": row.get("people", 0), "hours": hours.get(kind.value) or Decimal("0")})
    this_month = month_start(day)
    subsidy = []
    for i in range(months - 1, -1, -1):
        month = add_months(this_month, -i)
        computed = compute_roll(node, month)
        paid = SubsidyPayment.objects.filter(roll__month=month).filter(territory_filter(node, "worker__"))
        agg = paid.aggregate(total=Sum("amount"), n=Count("id"))
        subsidy.append({"month": month, "computed_total": computed.total, "computed_count": len(computed.lines),
                        "paid_total": agg["total"] or Decimal("0"), "paid_count": agg["n"]})
    return {"node": node, "day": day, "year": year, "by_level": [
        {"level": level, "label": CertificateLevel(level).label, "count": by_level[level]}
        for level in LEVELS_HIGH_FIRST], "certified": certified, "workers": workers, "residents": residents,
        "per_10k": per_10k, "trainings": training_lines,
        "training_total": sum(t["count"] for t in training_lines),
        "training_person_times": sum(t["person_times"] for t in training_lines), "subsidy": subsidy}
