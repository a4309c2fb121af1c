"""The app's pages: voters, officers, scrutineers and the public (included by the project urls)."""

from django.urls import path

from selectorate.web.elections import (
    views_candidate,
    views_contests,
    views_lost_code,
    views_officer,
    views_public,
    views_vote,
)

app_name = "elections"

urlpatterns = [
    path("", views_public.home, name="home"),
    path("vote/", views_vote.enter_code, name="vote"),
    path("vote/ballot/", views_vote.ballot, name="vote_ballot"),
    path("vote/confirm/", views_vote.confirm, name="vote_confirm"),
    path("vote/cast/", views_vote.cast, name="vote_cast"),
    path("vote/lost-code/", views_lost_code.lost_code, name="vote_lost_code"),
    path("receipt/", views_vote.receipt, name="receipt"),
    path("results/", views_public.results, name="results"),
    path("results/<int:pk>/", views_public.result, name="public_result"),
    path("accounts/login/", views_public.LoginView.as_view(), name="login"),
    path("accounts/logout/", views_public.LogoutView.as_view(), name="logout"),
    path("officer/", views_officer.contest_list, name="officer_contests"),
    path("officer/contests/new/", views_contests.new_contest, name="officer_new_contest"),
    path("officer/contests/<int:pk>/", views_officer.contest_detail, name="officer_contest"),
    path(
        "officer/contests/<int:pk>/nominations/",
        views_contests.contest_nominations,
        name="officer_nominations",
    ),
    path(
        "officer/contests/<int:pk>/transition/",
        views_officer.contest_transition,
        name="officer_transition",
    ),
    path(
        "officer/contests/<int:pk>/credentials/",
        views_officer.credentials,
        name="officer_credentials",
    ),
    path("officer/contests/<int:pk>/result/", views_officer.results, name="officer_results"),
    path("officer/register/", views_officer.register, name="officer_register"),
    path("candidate/", views_candidate.my_contests, name="candidate_contests"),
    path("candidate/contests/<int:pk>/", views_candidate.my_contest, name="candidate_contest"),
    path("scrutineer/audit/", views_officer.audit_log, name="scrutineer_audit"),
    path(
        "scrutineer/contests/<int:pk>/count/",
        views_officer.scrutineer_count,
        name="scrutineer_count",
    ),
]
