"""Renderings of a :class:`~selectorate.counting.result.CountResult`."""
