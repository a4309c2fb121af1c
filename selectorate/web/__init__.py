"""The web service: an organisation runs its procedures and its members vote by secret ballot.

One Django project (``selectorate.web.settings``) with one app,
``selectorate.web.elections``. ``selectorate demo`` and ``selectorate serve``
(in :mod:`selectorate.cli_web`) start it.
"""
