"""Audit records: the changed field's name as unbounded text (JSON leaf paths of registry
records, e.g. record.protocolSection.armsInterventionsModule.armGroups.0.interventionNames.0,
exceed 64 characters). PostgreSQL widens the column in place (no row is rewritten; the
append-only triggers stay). SQLite rebuilds the table (batch mode copies every row; the implicit
delete of DROP TABLE fires no trigger) and the append-only triggers are created again.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 05:05:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


APPEND_ONLY = "audit records are append-only"


def _retype(new: sa.types.TypeEngine[str], old: sa.types.TypeEngine[str]) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("audit_record", "field", type_=new, existing_type=old,
                        existing_nullable=True)
        return
    with op.batch_alter_table("audit_record", schema=None) as batch_op:
        batch_op.alter_column("field", type_=new, existing_type=old, existing_nullable=True)
    for verb in ("UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER IF NOT EXISTS audit_record_no_{verb.lower()} BEFORE {verb} "
                   f"ON audit_record BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END")


def upgrade() -> None:
    _retype(sa.Text(), sa.String(length=64))


def downgrade() -> None:
    _retype(sa.String(length=64), sa.Text())
