from django.http import HttpResponse


def audit_list_view(request):
    return HttpResponse(status=501)
