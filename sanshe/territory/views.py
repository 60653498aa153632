from django.http import HttpResponse


def browser_view(request):
    return HttpResponse(status=501)
