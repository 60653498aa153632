"""Permission matrix entries for the service cloud: appointments (see ``sanshe.core.matrix``).

The "inside" booking is at station C1 (inside every role's territory), the "outside" one at the other
district's station; both are made today so that every step can be tried. Booking and cancelling are public.
"""

import datetime as dt

from sanshe.accounts.roles import Perm
from sanshe.core.matrix import PUBLIC, UrlCase

VIEW, ACCEPT, CONFIGURE = Perm.SERVICES_VIEW, Perm.SERVICES_ACCEPT, Perm.SERVICES_CONFIGURE


def appointment_data(world, inside: bool):
    from django.utils import timezone

    from sanshe.servicedesk import services_appointments as sa
    from sanshe.servicedesk.models import AppointmentSlot
    from sanshe.servicedesk.testing import ensure_servicedesk

    ensure_servicedesk(world)
    cache = world.__dict__.setdefault("_matrix_appointments", {})
    if inside not in cache:
        station = world.stations["C1" if inside else "D2"]
        slot = AppointmentSlot.objects.get_or_create(station=station, date=timezone.localdate(),
                                                     start=dt.time(0, 0), defaults={"end": dt.time(23, 59),
                                                                                    "capacity": 50})[0]
        item = world.items["retire" if inside else "other"]
        cache[inside] = sa.book(actor=None, slot=slot, item=item, name="矩阵居民", phone="13800001234")
    return cache[inside]


def _pk(world, role, inside):
    return {"pk": appointment_data(world, inside).pk}


def _station(world, role):
    from sanshe.servicedesk.testing import ensure_servicedesk

    ensure_servicedesk(world)
    return {"station": world.stations["C1"].pk}


MATRIX = {
    "servicedesk:appointment_list": UrlCase(VIEW),
    "servicedesk:appointment_slots": UrlCase(CONFIGURE),
    "servicedesk:appointment_attended": UrlCase(ACCEPT, kwargs=_pk, method="POST", ok=(302,)),
    "servicedesk:appointment_no_show": UrlCase(ACCEPT, kwargs=_pk, method="POST", ok=(302,)),
    "servicedesk:appointment_cancel": UrlCase(ACCEPT, kwargs=_pk, method="POST", ok=(302,)),
    # public: no account
    "servicedesk:appointment_book": UrlCase(PUBLIC, data=_station),
    "servicedesk:appointment_public_cancel": UrlCase(PUBLIC),
}
