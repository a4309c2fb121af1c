"""App configuration for :mod:`selectorate.web.elections`."""

from django.apps import AppConfig


class ElectionsConfig(AppConfig):
    """The elections app."""

    name = "selectorate.web.elections"
    label = "elections"
    verbose_name = "Elections"
    default_auto_field = "django.db.models.BigAutoField"
