"""What an error report (a 500 mailed to ADMINS, or the debug page) may show of a voter's request.

Django's :class:`~django.views.debug.SafeExceptionReporterFilter` hides the
values of parameters marked sensitive, but still names them (``rank-2`` says
which candidates were ranked) and shows every frame's local variables (the
code and the rankings travel through several functions). For the voter's
pages nothing of the request is shown: no POST parameters, not even their
names, and no local variables in any frame. Other pages keep Django's rules.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.views.debug import SafeExceptionReporterFilter

#: Paths whose requests carry a voting code, choices or a receipt.
VOTER_PATHS = ("/vote/", "/receipt/")

_HIDDEN = "(hidden: a voter's request)"


def is_voter_request(request: HttpRequest | None) -> bool:
    """True when ``request`` is for one of the voter's pages."""
    return request is not None and request.path.startswith(VOTER_PATHS)


class VoterSafeFilter(SafeExceptionReporterFilter):
    """Shows nothing of a voter's request in error reports (see the module docstring)."""

    def get_post_parameters(self, request: HttpRequest | None) -> Any:
        """No POST parameters at all (not even names) for a voter's page."""
        if is_voter_request(request):
            return {}
        return super().get_post_parameters(request)

    def get_traceback_frame_variables(self, request: HttpRequest | None, tb_frame: Any) -> Any:
        """No local variables in any frame for a voter's page."""
        if is_voter_request(request):
            return [("variables", _HIDDEN)]
        return super().get_traceback_frame_variables(request, tb_frame)
