"""URLs of the service cloud: the 五单法 demand orders (the four publicities need no account)."""

from django.urls import path

from . import views_orders as v

urlpatterns = [
    path("needs/", v.NeedListView.as_view(), name="need_list"),
    path("needs/new/", v.NeedCreateView.as_view(), name="need_create"),
    path("needs/<int:pk>/", v.NeedDetailView.as_view(), name="need_detail"),
    path("needs/<int:pk>/evaluate/", v.NeedEvaluateView.as_view(), name="need_evaluate"),
    path("orders/", v.OrderListView.as_view(), name="order_list"),
    path("orders/desk/", v.DeskView.as_view(), name="order_desk"),
    path("orders/stats/", v.OrderStatsView.as_view(), name="order_stats"),
    path("orders/<int:pk>/", v.OrderDetailView.as_view(), name="order_detail"),
    path("orders/<int:pk>/act/", v.OrderActionView.as_view(), name="order_action"),
    path("offers/", v.OfferListView.as_view(), name="offer_list"),
    path("offers/<int:pk>/", v.OfferDetailView.as_view(), name="offer_detail"),
    path("offers/<int:pk>/act/", v.OfferActionView.as_view(), name="offer_action"),
    # public
    path("orders/public/", v.public_index, name="order_public_index"),
    path("orders/public/<int:pk>/", v.public_community, name="order_public"),
]
