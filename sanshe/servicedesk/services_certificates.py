"""Writes of the community's certificates (社区证明): issuing and revoking.

Every issuance is a row with a serial number ``ZM`` + the community's 12-digit code + year + a 5-digit
sequence per community and year (allocated under a lock on the community's row, so concurrent windows never
draw the same number), a random verification code for the public page, and the wording rendered and frozen
with the ID number masked. The household file gets an entry when the holder is a resident of the registry.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sanshe.accounts.roles import Perm
from sanshe.core import audit, txn
from sanshe.core.masking import mask_id_number
from sanshe.core.services import require, require_visible
from sanshe.core.validators import validate_id_number
from sanshe.territory.choices import Level, ResidentStatus
from sanshe.territory.models import Node, Resident

from .models import Certificate, CertificateType

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed from paper
CODE_LENGTH = 12
PLACEHOLDERS = ("name", "id_number", "address", "household", "community", "purpose", "date")


def _error(field: str, message: str):
    raise ValidationError({field: [message]})


def new_verify_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))


def serial_prefix(community: Node, year: int) -> str:
    # the whole 12-digit code: its last six digits repeat in every district (001001 …) and serials are unique
    digits = "".join(ch for ch in community.code if ch.isdigit())[-12:]
    return f"ZM{digits}{year:04d}"


def next_serial(community: Node, year: int) -> str:
    """The next serial of ``community`` in ``year``; call inside a transaction that locked the community."""
    prefix = serial_prefix(community, year)
    last = (Certificate.objects.filter(serial__startswith=prefix, community=community)
            .order_by("-serial").values_list("serial", flat=True).first())
    sequence = int(last[len(prefix):]) + 1 if last else 1
    return f"{prefix}{sequence:05d}"


class _Keep(dict):
    def __missing__(self, key):  # an unknown placeholder stays as written
        return "{" + key + "}"


def render_body(template: str, values: dict) -> str:
    """The wording with its placeholders filled; unknown ones stay, stray braces do not break it."""
    try:
        return template.format_map(_Keep(values))
    except (ValueError, IndexError, AttributeError):
        text = template
        for key in PLACEHOLDERS:
            text = text.replace("{" + key + "}", str(values.get(key, "")))
        return text


def check_template(template: str) -> None:
    """A wording must render (the type edit page)."""
    try:
        template.format_map(_Keep({k: "" for k in PLACEHOLDERS}))
    except (ValueError, IndexError, AttributeError) as exc:
        raise ValidationError({"template": [_("The wording has a stray brace: %(error)s") % {
            "error": exc}]}) from exc


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def resident_address(resident: Resident) -> str:
    from sanshe.territory.registry import _address

    dwelling = resident.dwelling
    if dwelling is None and resident.household_id:
        dwelling = resident.household.dwelling
    if dwelling is not None:
        return _address(dwelling)
    node = resident.grid or resident.community
    return node.name if node is not None else ""


def certificate_url(certificate: Certificate) -> str:
    return reverse("servicedesk:certificate_detail", args=[certificate.pk])


def verify_path(certificate: Certificate) -> str:
    return reverse("servicedesk:certificate_verify") + f"?code={certificate.verify_code}"


def issue_certificate(*, actor, type: CertificateType, community: Node, resident: Resident | None = None,  # noqa: A002
                      holder_name: str = "", holder_id_number: str = "", purpose: str = "", address: str = "",
                      at: dt.datetime | None = None) -> Certificate:
    """Issue a certificate of ``type`` in the name of ``community`` for a resident of the registry or for a
    person typed in (name, ID number, address). The body is rendered now and never changes afterwards."""
    require(actor, Perm.SERVICES_CERTIFY)
    errors: dict[str, list] = {}
    purpose = (purpose or "").strip()
    holder_name = (holder_name or "").strip()
    holder_id_number = (holder_id_number or "").strip()
    address = (address or "").strip()
    if not purpose:
        errors.setdefault("purpose", []).append(_("Say what the certificate is for."))
    if resident is None:
        if not holder_name:
            errors.setdefault("holder_name", []).append(_("Give the holder's name or pick a resident."))
        if holder_id_number:
            try:
                holder_id_number = validate_id_number(holder_id_number).number
            except ValidationError as exc:
                errors.setdefault("holder_id_number", []).extend(exc.messages)
    if not type.is_active:
        errors.setdefault("type", []).append(_("This certificate type is no longer issued."))
    if community.level != Level.COMMUNITY:
        errors.setdefault("community", []).append(_("Certificates are issued by a community."))
    elif type.district_id != community.district_id:
        errors.setdefault("type", []).append(_("This certificate type belongs to another district."))
    if errors:
        raise ValidationError(errors)
    at = at or timezone.now()
    with txn.atomic():
        # the community's row is the lock that serializes the serial numbers of one community
        community = require_visible(Node, community, actor, Perm.SERVICES_CERTIFY, lock=True)
        if resident is not None:
            resident = require_visible(Resident, resident, actor, Perm.REGISTRY_VIEW)
            if resident.community_id != community.pk:
                _error("resident", _("%(name)s is not a resident of %(community)s.") % {
                    "name": resident.name, "community": community.name})
            if resident.status != ResidentStatus.REGISTERED:
                _error("resident", _("%(name)s is no longer registered here (%(status)s).") % {
                    "name": resident.name, "status": resident.get_status_display()})
            holder_name = holder_name or resident.name
            holder_id_number = resident.id_number or ""
            address = address or resident_address(resident)
        household = resident.household if resident is not None else None
        id_masked = mask_id_number(holder_id_number) if holder_id_number else ""
        day = timezone.localtime(at).date()
        body = render_body(type.template, {
            "name": holder_name, "id_number": id_masked or "—", "address": address or community.name,
            "household": household.number if household is not None else "—", "community": community.name,
            "purpose": purpose, "date": chinese_date(day)})
        certificate = Certificate(
            serial=next_serial(community, day.year), verify_code=new_verify_code(), type=type,
            resident=resident, household=household, holder_name=holder_name[:50], holder_id_masked=id_masked,
            purpose=purpose[:200], body=body, issued_by=actor, issued_at=at)
        certificate.copy_ancestors_from(community)
        certificate.save()
        if household is not None:
            from sanshe.territory.registry import add_timeline_entry

            add_timeline_entry(household, kind="servicedesk.certificate",
                               title=_("Certificate %(serial)s issued: %(type)s") % {
                                   "serial": certificate.serial, "type": type.name},
                               obj=certificate, url=certificate_url(certificate), resident=resident,
                               permission=Perm.SERVICES_VIEW, at=at)
        audit.record("servicedesk.certificate.issued", obj=certificate, after=audit.snapshot(certificate),
                     actor=actor)
    return certificate


def revoke_certificate(certificate: Certificate, *, actor, reason: str, at: dt.datetime | None = None) -> Certificate:
    """Revoke an issued certificate (wrong data, issued by mistake …): it stays, and the public page says
    revoked."""
    require(actor, Perm.SERVICES_CERTIFY)
    reason = (reason or "").strip()
    if not reason:
        _error("reason", _("Give a reason."))
    at = at or timezone.now()
    with txn.atomic():
        certificate = require_visible(Certificate, certificate, actor, Perm.SERVICES_CERTIFY, lock=True)
        if certificate.revoked_at is not None:
            _error("reason", _("This certificate is already revoked."))
        before = audit.snapshot(certificate)
        certificate.revoked_at = at
        certificate.revoke_reason = reason[:200]
        certificate.save(update_fields=["revoked_at", "revoke_reason", "updated_at"])
        if certificate.household_id:
            from sanshe.territory.registry import add_timeline_entry

            add_timeline_entry(certificate.household, kind="servicedesk.certificate",
                               title=_("Certificate %(serial)s revoked: %(type)s") % {
                                   "serial": certificate.serial, "type": certificate.type.name},
                               obj=certificate, url=certificate_url(certificate), resident=certificate.resident,
                               permission=Perm.SERVICES_VIEW, at=at)
        audit.record("servicedesk.certificate.revoked", obj=certificate, before=before,
                     after=audit.snapshot(certificate), actor=actor, extra={"reason": reason})
    return certificate


def save_type(*, actor, district: Node, type: CertificateType | None = None, code: str, name: str,  # noqa: A002
              template: str, is_active: bool = True, sort_order: int = 0) -> CertificateType:
    """Create or edit a certificate type of the district (district administrators)."""
    require(actor, Perm.SERVICES_CONFIGURE)
    code, name = (code or "").strip(), (name or "").strip()
    errors: dict[str, list] = {}
    if not code:
        errors.setdefault("code", []).append(_("This field is required."))
    if not name:
        errors.setdefault("name", []).append(_("This field is required."))
    try:
        check_template(template or "")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    with txn.atomic():
        district = require_visible(Node, district, actor, Perm.SERVICES_CONFIGURE)
        clash = CertificateType.objects.filter(district=district, code=code)
        if type is not None:
            clash = clash.exclude(pk=type.pk)
        if clash.exists():
            _error("code", _("This code is already used in the district."))
        before = audit.snapshot(type) if type is not None else None
        obj = type or CertificateType(district=district)
        obj.code, obj.name, obj.template = code, name, template
        obj.is_active, obj.sort_order = is_active, sort_order
        obj.save()
        audit.record("servicedesk.certificate_type." + ("updated" if before else "created"), obj=obj,
                     before=before, after=audit.snapshot(obj), actor=actor)
    return obj
