"""The demo trial's protocol amendment (issue 20 item 8): version 2 of the protocol file, the
bundled file with the replacements of ``amendment:`` in ``trial.yaml``, loaded by the
administrator through the same service as the web form, on its simulated loading day (so that
its effective date is not in the past). Skipped when that day is still to come."""

from __future__ import annotations

from datetime import date
from typing import Any

from dawna.clock import local_today, simulated
from dawna.config import Settings
from dawna.demo.clock import moment
from dawna.services import protocol_amendments
from dawna.services.access import Principal
from dawna.services.protocol_versions import bundled_text
from dawna.store.db import Database


def amended_text(cfg: dict[str, Any]) -> str:
    text = bundled_text()
    for old, new in cfg["replace"]:
        if old not in text:
            raise ValueError(f"demo amendment: {old!r} is not in the protocol file")
        text = text.replace(old, new)
    return text


def load(db: Database, settings: Settings, cfg: dict[str, Any] | None,
         admin: Principal | None) -> bool:
    """Load the amendment; False when the demo has none, no administrator, or it is not due."""
    if not cfg or admin is None:
        return False
    loaded = date.fromisoformat(str(cfg["loaded"]))
    if loaded > local_today(settings.zone):
        return False
    with simulated(moment(loaded, 10, settings.zone)):
        protocol_amendments.amend(db, settings, admin, amended_text(cfg), {
            "version": str(cfg["version"]), "approved_on": str(cfg["approved"]),
            "effective_on": str(cfg["effective"]), "summary": str(cfg["summary"]).strip(),
            "consent_version": str(cfg["consent_version"])})
    return True
