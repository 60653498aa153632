"""URLs: volunteer rewards (points, catalogue, star levels, certificates, time bank, 身边好人) and party members in
service; the certificate verification page and the 身边好人 list need no account."""

from django.urls import path

from . import views_rewards as v

urlpatterns: list = [
    # the volunteer's own pages
    path("me/rewards/", v.MyRewardsView.as_view(), name="my_rewards"),
    path("me/points/", v.MyPointsView.as_view(), name="my_points"),
    path("me/catalogue/", v.MyCatalogueView.as_view(), name="my_catalogue"),
    path("me/catalogue/<int:pk>/redeem/", v.MyRedeemView.as_view(), name="my_redeem"),
    path("me/certificates/", v.MyCertificatesView.as_view(), name="my_certificates"),
    path("me/certificates/<int:pk>/pdf/", v.MyCertificatePdfView.as_view(), name="my_certificate_pdf"),
    path("me/timebank/", v.MyTimeBankView.as_view(), name="my_timebank"),
    path("me/nominate/", v.MyNominateView.as_view(), name="my_nominate"),
    path("me/party/", v.MyPartyView.as_view(), name="my_party"),
    path("me/party/posts/<int:pk>/claim/", v.MyPartyClaimView.as_view(), name="my_party_claim"),
    # staff
    path("rewards/config/", v.ConfigView.as_view(), name="rewards_config"),
    path("rewards/config/rules/<int:pk>/end/", v.RuleEndView.as_view(), name="rewards_rule_end"),
    path("rewards/catalogue/", v.CatalogueView.as_view(), name="rewards_catalogue"),
    path("rewards/catalogue/items/<int:pk>/", v.ItemEditView.as_view(), name="rewards_item_edit"),
    path("rewards/redemptions/", v.RedemptionListView.as_view(), name="rewards_redemptions"),
    path("rewards/redemptions/<int:pk>/close/", v.RedemptionCloseView.as_view(), name="rewards_redemption_close"),
    path("rewards/volunteers/<int:pk>/", v.VolunteerRewardsView.as_view(), name="rewards_volunteer"),
    path("rewards/certificates/", v.CertificateListView.as_view(), name="rewards_certificates"),
    path("rewards/certificates/new/", v.CertificateIssueView.as_view(), name="rewards_certificate_issue"),
    path("rewards/certificates/<int:pk>/", v.CertificateDetailView.as_view(), name="rewards_certificate_detail"),
    path("rewards/certificates/<int:pk>/pdf/", v.CertificatePdfView.as_view(), name="rewards_certificate_pdf"),
    path("rewards/certificates/<int:pk>/revoke/", v.CertificateRevokeView.as_view(),
         name="rewards_certificate_revoke"),
    path("org/certificates/", v.OrgCertificatesView.as_view(), name="rewards_org_certificates"),
    path("org/certificates/<int:pk>/pdf/", v.OrgCertificatePdfView.as_view(), name="rewards_org_certificate_pdf"),
    path("rewards/timebank/", v.TimeBankView.as_view(), name="rewards_timebank"),
    path("rewards/nominations/", v.NominationListView.as_view(), name="rewards_nominations"),
    path("rewards/nominations/<int:pk>/review/", v.NominationReviewView.as_view(), name="rewards_nomination_review"),
    path("party/", v.PartyHomeView.as_view(), name="party_home"),
    path("party/reports/<int:pk>/leave/", v.PartyReportLeaveView.as_view(), name="party_report_leave"),
    path("party/posts/", v.PartyPostListView.as_view(), name="party_posts"),
    path("party/posts/<int:pk>/", v.PartyPostDetailView.as_view(), name="party_post_detail"),
    # public
    path("verify/", v.certificate_verify, name="certificate_verify"),
    path("good-people/", v.good_people, name="good_people"),
]
