"""Allocation sequence numbers unique per list (issue 19 item 8), and a version on the
participant's identity record for optimistic locking of its corrections (issue 19 item 7).

Existing duplicates of ``allocation.sequence`` (taken as count + 1 without a lock) are renumbered
deterministically before the constraint is added: within each list, by randomization time, then
by row id, 1, 2, 3, … (the order ``dawna randomization verify`` reads them in). Each number
that changes gets an audit record (field ``sequence``, old and new value, a reason naming this
migration), chained like the application's (``store/audit_chain.py``), so ``dawna audit verify``
finds every allocation explained after the upgrade.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 19:00:00
"""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from dawna.store import audit_chain

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


ACTOR = "migration 0016"
REASON = ("migration 0016: allocation sequence numbers renumbered unique and gap-free per list, "
          "by randomization time then row id (issue 19 item 8)")


def _renumber() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, list_id, site_id, sequence FROM allocation "
                                "ORDER BY list_id, randomized_at, id")).all()
    counters: dict[int, int] = {}
    audit: list[dict[str, object]] = []
    now = datetime.now(UTC)
    for row_id, list_id, site_id, old in rows:
        counters[list_id] = counters.get(list_id, 0) + 1
        new = counters[list_id]
        if new == old:
            continue
        conn.execute(sa.text("UPDATE allocation SET sequence = :n WHERE id = :id"),
                     {"n": new, "id": row_id})
        audit.append({"at": now, "actor_id": None, "actor": ACTOR, "action": "update",
                      "table_name": "allocation", "row_id": str(row_id), "site_id": site_id,
                      "field": "sequence", "old_value": None if old is None else str(old),
                      "new_value": str(new), "reason": REASON})
    audit_chain.append(conn, audit, versions=False)  # data_version comes with 0026


def upgrade() -> None:
    _renumber()
    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_allocation_sequence', ['list_id', 'sequence'])
    with op.batch_alter_table('participant_identity', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False,
                                      server_default='1'))


def downgrade() -> None:
    with op.batch_alter_table('participant_identity', schema=None) as batch_op:
        batch_op.drop_column('version')
    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.drop_constraint('uq_allocation_sequence', type_='unique')
