"""The trial team's roles, apart from the models so that the command line can name them in its
options without importing SQLAlchemy; what each may do is in ``dawna.services.access``."""

from __future__ import annotations

import enum

__all__ = ["Role"]


class Role(enum.StrEnum):
    """The trial team's roles; stored in ``membership.role`` (``dawna.store.models.people``)."""

    ADMINISTRATOR = "administrator"
    INVESTIGATOR = "investigator"
    COORDINATOR = "coordinator"
    IMAGING_READER = "imaging_reader"
    STATISTICIAN = "statistician"
    MONITOR = "monitor"
    DATA_MANAGER = "data_manager"
