"""URLs of the socialwork app; one module per area, merged here."""

from . import urls_practice, urls_workers

app_name = "socialwork"

urlpatterns = []
for _module in (urls_workers, urls_practice,):
    urlpatterns += _module.urlpatterns
