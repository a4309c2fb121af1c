"""URL routes: Django's admin for officers; the app adds its own pages and API."""

from django.contrib import admin
from django.urls import include, path

from selectorate.web.elections.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("selectorate.web.elections.urls")),
]
