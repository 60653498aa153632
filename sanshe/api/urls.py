"""The v1 API router. Each domain app registers its viewsets in its own ``api.py`` (``register(router)``)."""

from rest_framework.routers import DefaultRouter

from sanshe.accounts import api as accounts_api
from sanshe.gridops import api as gridops_api
from sanshe.servicedesk import api as servicedesk_api
from sanshe.socialwork import api as socialwork_api
from sanshe.societies import api as societies_api
from sanshe.territory import api as territory_api
from sanshe.volunteers import api as volunteers_api

router = DefaultRouter()
for module in (territory_api, accounts_api, gridops_api, servicedesk_api, societies_api, socialwork_api,
               volunteers_api):
    module.register(router)

urlpatterns = router.urls
