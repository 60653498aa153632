"""Permission matrix entries for the service cloud's appointments and certificates API (see ``sanshe.core.matrix``).

Every role that gets through to a step works on its own booking / certificate (made per role, "inside" at C1
and "outside" in the other district), so that each step succeeds once instead of finding the previous role's
work done. Bookings are in a slot of today that lasts the whole day (as in ``matrix_appointments``). The free
slots of a station and the verification by serial number and code are public.
"""

import datetime as dt

from sanshe.accounts.roles import Perm, Role
from sanshe.core.matrix import PUBLIC, UrlCase

VIEW, ACCEPT, CERTIFY, CONFIGURE = (Perm.SERVICES_VIEW, Perm.SERVICES_ACCEPT, Perm.SERVICES_CERTIFY,
                                    Perm.SERVICES_CONFIGURE)


def _role_index(role) -> int:
    values = list(Role.values)
    return values.index(role) + 1 if role in values else 0


def _phone(role, inside: bool) -> str:
    return f"1390{int(inside)}{_role_index(role):06d}"


def matrix_slot(world, inside: bool):
    from django.utils import timezone

    from sanshe.servicedesk.models import AppointmentSlot
    from sanshe.servicedesk.testing import ensure_servicedesk

    ensure_servicedesk(world)
    station = world.stations["C1" if inside else "D2"]
    return AppointmentSlot.objects.get_or_create(
        station=station, date=timezone.localdate(), start=dt.time(0, 0),
        defaults={"end": dt.time(23, 59), "capacity": 200})[0]


def booking(world, role, inside: bool):
    from sanshe.servicedesk import services_appointments as sa

    cache = world.__dict__.setdefault("_matrix_api_bookings", {})
    key = (role, inside)
    if key not in cache:
        slot = matrix_slot(world, inside)  # builds the service cloud's world first
        cache[key] = sa.book(actor=None, slot=slot, item=world.items["retire" if inside else "other"],
                             name="矩阵接口", phone=_phone(role, inside))
    return cache[key]


def certificate(world, role, inside: bool):
    from django.utils import timezone

    from sanshe.servicedesk import services_certificates as sc
    from sanshe.servicedesk.certificate_seed import ensure_certificate_types
    from sanshe.servicedesk.models import Certificate

    cache = world.__dict__.setdefault("_matrix_api_certificates", {})
    key = (role, inside)
    if key not in cache:
        community = world.nodes["C1" if inside else "C4"]
        types = ensure_certificate_types(world.nodes["D1" if inside else "D2"])
        # made directly: no account of the matrix world certifies in the other district
        made = Certificate(serial=sc.next_serial(community, timezone.localdate().year),
                           verify_code=sc.new_verify_code(), type=types["ZM01"], holder_name="矩阵居民",
                           purpose="矩阵", body="兹证明矩阵居民居住于本社区。", issued_at=timezone.now())
        made.copy_ancestors_from(community)
        made.save()
        cache[key] = made
    return cache[key]


def _booking(world, role, inside):
    return {"pk": booking(world, role, inside).pk}


def _certificate(world, role, inside):
    return {"pk": certificate(world, role, inside).pk}


def _station(world, role):
    from sanshe.servicedesk.testing import ensure_servicedesk

    ensure_servicedesk(world)
    return {"station": world.stations["C1"].pk}


def _open(world, role):
    from django.utils import timezone

    return {**_station(world, role), "start": timezone.localdate().isoformat(), "days": 2}


def _verify(world, role):
    made = certificate(world, "public", True)
    return {"serial": made.serial, "code": made.verify_code}


MATRIX = {
    # appointments
    "servicedesk-appointment-slot-list": UrlCase(VIEW, api=True, data=_station,
                                                 note="servicedesk.view or servicedesk.accept"),
    "servicedesk-appointment-slot-public": UrlCase(PUBLIC, api=True, data=_station),
    "servicedesk-appointment-slot-open": UrlCase(CONFIGURE, method="POST", data=_open, api=True, ok=(200, 201)),
    # the list URLs also take the POSTs that book and issue (ACCEPT / CERTIFY): one case per URL name here,
    # those are tested in test_appointments_api and test_certificates_api
    "servicedesk-appointment-list": UrlCase(VIEW, api=True),
    "servicedesk-appointment-detail": UrlCase(VIEW, kwargs=_booking, api=True),
    "servicedesk-appointment-cancel": UrlCase(ACCEPT, kwargs=_booking, method="POST", api=True),
    "servicedesk-appointment-attended": UrlCase(ACCEPT, kwargs=_booking, method="POST", api=True),
    "servicedesk-appointment-no-show": UrlCase(ACCEPT, kwargs=_booking, method="POST", api=True),
    # certificates
    "servicedesk-certificate-list": UrlCase(VIEW, api=True),
    "servicedesk-certificate-detail": UrlCase(VIEW, kwargs=_certificate, api=True),
    "servicedesk-certificate-pdf": UrlCase(VIEW, kwargs=_certificate, api=True),
    "servicedesk-certificate-revoke": UrlCase(CERTIFY, kwargs=_certificate, method="POST", data={"reason": "矩阵"},
                                              api=True),
    "servicedesk-certificate-verify": UrlCase(PUBLIC, api=True, data=_verify),
    "servicedesk-certificate-type-list": UrlCase(VIEW, api=True),
}
