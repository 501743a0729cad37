"""Data queries with their threads and source data verification marks (issue 20 items 1, 2).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 21:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dawna.store.base import UTCDateTime

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

_UNRESOLVED = "check_id IS NOT NULL AND status <> 'closed'"
_CURRENT = "cleared_at IS NULL"


def upgrade() -> None:
    op.create_table('data_query',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('table_name', sa.String(length=64), nullable=False),
    sa.Column('row_id', sa.String(length=64), nullable=False),
    sa.Column('field', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('check_id', sa.String(length=64), nullable=True),
    sa.Column('check_params', sa.JSON(), nullable=True),
    sa.Column('raised_by', sa.String(length=64), nullable=False),
    sa.Column('raised_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_data_query_participant_id_participant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_query'))
    )
    with op.batch_alter_table('data_query', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_query_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_data_query_status'), ['status'], unique=False)
        batch_op.create_index('ix_data_query_form', ['table_name', 'row_id'], unique=False)
        batch_op.create_index('uq_data_query_check_unresolved',
                              ['check_id', 'table_name', 'row_id', 'field'], unique=True,
                              postgresql_where=sa.text(_UNRESOLVED),
                              sqlite_where=sa.text(_UNRESOLVED))

    op.create_table('query_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('query_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('answer_kind', sa.String(length=16), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('audit_ids', sa.JSON(), nullable=True),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['query_id'], ['data_query.id'], name=op.f('fk_query_message_query_id_data_query')),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_query_message_participant_id_participant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_query_message'))
    )
    with op.batch_alter_table('query_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_query_message_query_id'), ['query_id'], unique=False)

    op.create_table('source_verification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('table_name', sa.String(length=64), nullable=False),
    sa.Column('row_id', sa.String(length=64), nullable=False),
    sa.Column('field', sa.String(length=200), nullable=False),
    sa.Column('verified_by', sa.String(length=64), nullable=False),
    sa.Column('verified_at', UTCDateTime(), nullable=False),
    sa.Column('cleared_at', UTCDateTime(), nullable=True),
    sa.Column('cleared_by', sa.String(length=64), nullable=True),
    sa.Column('cleared_reason', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_source_verification_participant_id_participant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_source_verification'))
    )
    with op.batch_alter_table('source_verification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_source_verification_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index('ix_source_verification_form', ['table_name', 'row_id'], unique=False)
        batch_op.create_index('uq_source_verification_current', ['table_name', 'row_id', 'field'],
                              unique=True, postgresql_where=sa.text(_CURRENT),
                              sqlite_where=sa.text(_CURRENT))


def downgrade() -> None:
    op.drop_table('source_verification')
    op.drop_table('query_message')
    op.drop_table('data_query')
