"""Account management pages (to be written: user list/detail/create/edit, grants, security)."""

from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse(status=501)


user_list_view = user_create_view = user_detail_view = user_edit_view = _todo
grant_create_view = grant_revoke_view = security_view = _todo
