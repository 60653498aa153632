"""URLs of the volunteers app; one module per area, merged here."""

from . import urls_activities, urls_rewards

app_name = "volunteers"

urlpatterns = []
for _module in (urls_activities, urls_rewards,):
    urlpatterns += _module.urlpatterns
