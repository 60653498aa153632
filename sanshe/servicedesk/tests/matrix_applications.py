"""Permission matrix entries for the service cloud: applications (see ``sanshe.core.matrix``).

"Inside" is an application of 低保申请 accepted at the station of C1 (inside the territory of every role that
reads applications) and routed to 测试区民政局, a department without staff: the department handler, who has no
territory permission, is refused (403) as for any application that is not his department's (his own
department's are tested in test_applications_pages). "Outside" is one accepted at the station of the other
district by a window clerk of that district.
"""

from sanshe.accounts.roles import Perm, Role
from sanshe.core.matrix import UrlCase

VIEW, ACCEPT, HANDLE = Perm.SERVICES_VIEW, Perm.SERVICES_ACCEPT, Perm.SERVICES_HANDLE
PDF = b"%PDF-1.4\n%%EOF\n"


def outsider(world):
    from sanshe.accounts.models import User
    from sanshe.accounts.services import bootstrap_account

    return User.objects.filter(username="t_matrix_d2_window").first() or bootstrap_account(
        username="t_matrix_d2_window", password="Test-pass-123", role=Role.WINDOW_CLERK, node=world.nodes["C4"])


def applications_data(world, inside: bool) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sanshe.servicedesk.services import Applicant, accept_application
    from sanshe.servicedesk.testing import ensure_servicedesk

    cache = world.__dict__.setdefault("_matrix_applications", {})
    if inside not in cache:
        ensure_servicedesk(world)
        actor = world.user(Role.WINDOW_CLERK) if inside else outsider(world)
        app = accept_application(
            actor=actor, item=world.items["dibao" if inside else "other"],
            station=world.stations["C1" if inside else "D2"],
            applicant=Applicant(name="矩阵申请人", phone="13800001234"),
            attachments=[SimpleUploadedFile("身份证.pdf", PDF, content_type="application/pdf")])
        cache[inside] = {"application": app, "attachment": app.attachments.first()}
    return cache[inside]


def _pk(world, role, inside):
    return {"pk": applications_data(world, inside)["application"].pk}


def _attachment(world, role, inside):
    data = applications_data(world, inside)
    return {"pk": data["application"].pk, "attachment_pk": data["attachment"].pk}


def _world(world, role):
    from sanshe.servicedesk.testing import ensure_servicedesk

    ensure_servicedesk(world)
    return {}


MATRIX = {
    "servicedesk:window": UrlCase(ACCEPT),
    "servicedesk:window_items": UrlCase(ACCEPT, data=_world),
    "servicedesk:window_materials": UrlCase(ACCEPT, data=_world),
    "servicedesk:window_resident_pick": UrlCase(ACCEPT, data={"q": "王"}),
    "servicedesk:application_list": UrlCase(VIEW, data=_world),
    "servicedesk:queue": UrlCase(HANDLE),
    "servicedesk:application_detail": UrlCase(
        VIEW, kwargs=_pk, note="also the department's staff (tested in test_applications_pages)"),
    "servicedesk:application_action": UrlCase(VIEW, kwargs=_pk, method="POST",
                                              data={"action": "comment", "note": "矩阵备注"}, ok=(302,)),
    "servicedesk:application_receipt": UrlCase(VIEW, kwargs=_pk),
    "servicedesk:application_notice": UrlCase(VIEW, kwargs=_pk),
    "servicedesk:application_attachment": UrlCase(VIEW, kwargs=_attachment),
    # API
    "servicedesk-application-list": UrlCase(VIEW, api=True),
    "servicedesk-application-queue": UrlCase(HANDLE, api=True),
    "servicedesk-application-detail": UrlCase(VIEW, kwargs=_pk, api=True),
    "servicedesk-application-transition": UrlCase(
        VIEW, kwargs=_pk, method="POST", data={"action": "comment", "note": "矩阵备注"}, api=True,
        note="a note: any reader of the application; 404 outside, 403 without the right"),
}
