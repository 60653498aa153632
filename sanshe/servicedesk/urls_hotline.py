"""URLs of the service cloud: the 12343 hotline and the message box (the two public pages need no account)."""

from django.urls import path

from . import views_hotline as v

urlpatterns = [
    path("hotline/", v.DeskView.as_view(), name="hotline_desk"),
    path("hotline/repeats/", v.RepeatsView.as_view(), name="hotline_repeats"),
    path("hotline/calls/", v.CallListView.as_view(), name="hotline_list"),
    path("hotline/calls/<int:pk>/", v.CallDetailView.as_view(), name="hotline_call"),
    path("messages/", v.InboxView.as_view(), name="message_inbox"),
    path("messages/<int:pk>/", v.MessageDetailView.as_view(), name="message_detail"),
    # public
    path("mailbox/", v.message_box, name="message_box"),
    path("mailbox/answers/", v.public_answers, name="message_answers"),
]
