"""URLs of grid governance (社区治理云) under /gridops/; Open311 lives under /open311/v2/ (``open311/urls.py``)."""

from . import urls_config, urls_disputes, urls_events, urls_patrols, urls_stats

app_name = "gridops"

urlpatterns = (urls_events.urlpatterns + urls_config.urlpatterns + urls_disputes.urlpatterns
               + urls_patrols.urlpatterns + urls_stats.urlpatterns)
