"""The live allocation list, read once per server process (issue 19 item 8, issue 23 item 3).

Once the statistician takes the list live, nothing of it that a randomization reads can change:
the list is generated once (a second ``generate`` is refused), go-live happens once, and the
settings are locked (``randomization.require_settings_unchanged``; an amendment changing them is
refused). So its id, method, size, settings snapshot and opened seed are kept in memory per
database and server key, and a randomization spends no statement and no unsealing on them. The
opened seed stays in the server's memory only, as the stratum lists computed from it already did
(concealment: ICH E9 §2.3.1); nothing of it is written or shown. A list not yet live is never
kept: every request reads it again until go-live.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.errors import ProtocolViolation
from dawna.i18n import _
from dawna.rules import randomization as rules
from dawna.store.db import Database
from dawna.store.models import RandomizationList

__all__ = ["SEAL_CONTEXT", "LiveList", "active_list", "live_list"]

SEAL_CONTEXT = "dawna-randomization-seed-v1"


@dataclass(frozen=True)
class LiveList:
    id: int
    method: str
    size_per_stratum: int
    settings: dict[str, Any]
    seed: bytes


#: Database -> {seal key: the live list}; an entry goes with its ``Database``.
_LIVE: weakref.WeakKeyDictionary[Database, dict[bytes, LiveList]] = weakref.WeakKeyDictionary()
_GUARD = threading.Lock()


def active_list(session: Session) -> RandomizationList | None:
    """The newest allocation list, if one was generated."""
    return session.scalars(select(RandomizationList).order_by(RandomizationList.id.desc())
                           .limit(1)).first()


def live_list(session: Session, db: Database, key: bytes) -> LiveList:
    """The live list of ``db`` with its seed opened by ``key``; refused while not live."""
    with _GUARD:
        known = _LIVE.get(db, {}).get(key)
    if known is not None:
        return known
    lst = active_list(session)
    if lst is None or lst.live_at is None:
        raise ProtocolViolation(_("randomization is not live yet"), field="randomization")
    known = LiveList(id=lst.id, method=lst.method, size_per_stratum=lst.size_per_stratum,
                     settings=dict(lst.settings),
                     seed=rules.unseal(lst.seed_sealed, key, SEAL_CONTEXT))
    with _GUARD:
        _LIVE.setdefault(db, {})[key] = known
    return known
