"""``{% load whip_record_tags %}``: the ``whip_record`` tag (defined in ``whip_record.py``)."""

from selectorate.web.elections.whip_record import register

__all__ = ["register"]
