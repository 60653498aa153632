"""Permission matrix entries for the service cloud: certificates (see ``sanshe.core.matrix``).

The "inside" certificate is issued by 和平社区 (C1, inside every role's territory), the "outside" one by the
other district's community; certificate types: one of each district. Verification is public.
"""

from sanshe.accounts.roles import Perm
from sanshe.core.matrix import PUBLIC, UrlCase

VIEW, CERTIFY, CONFIGURE = Perm.SERVICES_VIEW, Perm.SERVICES_CERTIFY, Perm.SERVICES_CONFIGURE


def certificate_data(world, inside: bool):
    from django.utils import timezone

    from sanshe.servicedesk import services_certificates as sc
    from sanshe.servicedesk.certificate_seed import ensure_certificate_types
    from sanshe.servicedesk.models import Certificate

    cache = world.__dict__.setdefault("_matrix_certificates", {})
    if inside not in cache:
        community = world.nodes["C1" if inside else "C4"]
        types = ensure_certificate_types(world.nodes["D1" if inside else "D2"])
        # made directly: no account of the matrix world certifies in the other district
        certificate = Certificate(serial=sc.next_serial(community, timezone.localdate().year),
                                  verify_code=sc.new_verify_code(), type=types["ZM01"], holder_name="矩阵居民",
                                  purpose="矩阵", body="兹证明矩阵居民居住于本社区。", issued_at=timezone.now())
        certificate.copy_ancestors_from(community)
        certificate.save()
        cache[inside] = certificate
    return cache[inside]


def _pk(world, role, inside):
    return {"pk": certificate_data(world, inside).pk}


def _type(world, role, inside):
    return {"pk": certificate_data(world, inside).type_id}


def _type_data(world, role):
    return {"code": "ZM01", "name": "居住证明", "template": "兹证明{name}居住于{address}。", "is_active": "on",
            "sort_order": "0"}


def _code(world, role):
    return {"code": certificate_data(world, True).verify_code}


MATRIX = {
    "servicedesk:certificate_list": UrlCase(VIEW),
    "servicedesk:certificate_issue": UrlCase(CERTIFY),
    "servicedesk:certificate_resident_pick": UrlCase(CERTIFY, data={"q": "王"}),
    "servicedesk:certificate_detail": UrlCase(VIEW, kwargs=_pk),
    "servicedesk:certificate_pdf": UrlCase(VIEW, kwargs=_pk),
    "servicedesk:certificate_revoke": UrlCase(CERTIFY, kwargs=_pk, method="POST", data={"reason": "矩阵"},
                                              ok=(302,)),
    "servicedesk:certificate_type_list": UrlCase(CONFIGURE),
    "servicedesk:certificate_type_create": UrlCase(CONFIGURE),
    "servicedesk:certificate_type_edit": UrlCase(CONFIGURE, kwargs=_type, method="POST", data=_type_data,
                                                 ok=(302,)),
    # public: no account
    "servicedesk:certificate_verify": UrlCase(PUBLIC, data=_code),
}
