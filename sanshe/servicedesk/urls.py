"""URLs of the service cloud (社区服务云 · 政务服务云) under /services/; the public pages (tracking an
application, verifying a certificate) are in ``urls_public.py`` and need no account."""

from . import (
    urls_admission,
    urls_applications,
    urls_appointments,
    urls_certificates,
    urls_config,
    urls_hotline,
    urls_orders,
    urls_public,
    urls_stats,
)

app_name = "servicedesk"

urlpatterns = (urls_applications.urlpatterns + urls_config.urlpatterns + urls_appointments.urlpatterns
               + urls_certificates.urlpatterns + urls_stats.urlpatterns + urls_public.urlpatterns + urls_orders.urlpatterns
               + urls_hotline.urlpatterns + urls_admission.urlpatterns)
