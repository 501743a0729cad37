"""Tamper-evident audit trail and login events (issue 19 items 1 and 4).

Every audit record gets ``prev_hash`` and ``hash`` (SHA-256 chain, canonical serialization in
docs/audit-trail.md); existing records are hashed here in id order (the append-only triggers are
lifted for that one update and put back). ``audit_chain_head`` holds the chain's last record (one
row, locked by each writer). ``login_event`` records logins, failures, logouts, lockouts and
password changes, append-only like the audit trail.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 19:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dawna.store.audit_chain import GENESIS, HEAD_ID, record_hash
from dawna.store.base import UTCDateTime

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

APPEND_ONLY = "audit records are append-only"
LOGIN_APPEND_ONLY = "login events are append-only"

_audit = sa.table(
    "audit_record", sa.column("id", sa.Integer()), sa.column("at", UTCDateTime()),
    sa.column("actor_id", sa.Integer()), sa.column("actor", sa.String()),
    sa.column("action", sa.String()), sa.column("table_name", sa.String()),
    sa.column("row_id", sa.String()), sa.column("site_id", sa.Integer()),
    sa.column("field", sa.Text()), sa.column("old_value", sa.Text()),
    sa.column("new_value", sa.Text()), sa.column("reason", sa.Text()),
    sa.column("prev_hash", sa.String()), sa.column("hash", sa.String()))
_head = sa.table("audit_chain_head", sa.column("id", sa.Integer()),
                 sa.column("last_id", sa.Integer()), sa.column("hash", sa.String()),
                 sa.column("at", UTCDateTime()))


def _sqlite_guards(table: str, message: str, create: bool) -> None:
    for verb in ("UPDATE", "DELETE"):
        if create:
            op.execute(f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} BEFORE {verb} "
                       f"ON {table} BEGIN SELECT RAISE(ABORT, '{message}'); END")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb.lower()}")


def _hash_existing() -> None:
    bind = op.get_bind()
    prev, last_id, last_at = GENESIS, None, None
    rows = bind.execute(sa.select(_audit).order_by(_audit.c.id)).mappings().all()
    for row in rows:
        digest = record_hash(prev, dict(row))
        bind.execute(sa.update(_audit).where(_audit.c.id == row["id"])
                     .values(prev_hash=prev, hash=digest))
        prev, last_id, last_at = digest, row["id"], row["at"]
    bind.execute(sa.insert(_head).values(id=HEAD_ID, last_id=last_id, hash=prev, at=last_at))


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table('audit_chain_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_id', sa.Integer(), nullable=True),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('at', UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head'))
    )
    op.create_table('login_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', UTCDateTime(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('event', sa.String(length=24), nullable=False),
    sa.Column('outcome', sa.String(length=24), nullable=False),
    sa.Column('client', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_event'))
    )
    with op.batch_alter_table('login_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_event_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_event_username'), ['username'], unique=False)
    op.add_column('audit_record', sa.Column('prev_hash', sa.String(length=64), nullable=True))
    op.add_column('audit_record', sa.Column('hash', sa.String(length=64), nullable=True))
    if postgres:
        op.execute("ALTER TABLE audit_record DISABLE TRIGGER audit_record_no_change")
        _hash_existing()
        op.execute("ALTER TABLE audit_record ENABLE TRIGGER audit_record_no_change")
        op.alter_column('audit_record', 'prev_hash', existing_type=sa.String(length=64),
                        nullable=False)
        op.alter_column('audit_record', 'hash', existing_type=sa.String(length=64),
                        nullable=False)
        op.execute(
            "CREATE FUNCTION login_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{LOGIN_APPEND_ONLY}'; END $$")
        op.execute("CREATE TRIGGER login_event_no_change BEFORE UPDATE OR DELETE ON login_event "
                   "FOR EACH ROW EXECUTE FUNCTION login_event_append_only()")
    else:
        _sqlite_guards("audit_record", APPEND_ONLY, create=False)
        _hash_existing()
        with op.batch_alter_table('audit_record', schema=None) as batch_op:
            batch_op.alter_column('prev_hash', existing_type=sa.String(length=64),
                                  nullable=False)
            batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
        _sqlite_guards("audit_record", APPEND_ONLY, create=True)
        _sqlite_guards("login_event", LOGIN_APPEND_ONLY, create=True)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("DROP TRIGGER login_event_no_change ON login_event")
        op.execute("DROP FUNCTION login_event_append_only()")
        op.drop_column('audit_record', 'hash')
        op.drop_column('audit_record', 'prev_hash')
    else:
        _sqlite_guards("login_event", LOGIN_APPEND_ONLY, create=False)
        with op.batch_alter_table('audit_record', schema=None) as batch_op:
            batch_op.drop_column('hash')
            batch_op.drop_column('prev_hash')
        _sqlite_guards("audit_record", APPEND_ONLY, create=True)
    with op.batch_alter_table('login_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_event_username'))
        batch_op.drop_index(batch_op.f('ix_login_event_at'))
    op.drop_table('login_event')
    op.drop_table('audit_chain_head')
