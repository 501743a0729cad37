"""Expectedness of adverse events against the reference safety information (document and
version), and the SUSAR reports sent to the ethics committee and the authority (issue 17 item
10; ICH E2A II.C and III.A.2).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 18:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dawna.store.base import UTCDateTime

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('adverse_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expectedness', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('rsi_document', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('rsi_version', sa.String(length=200), nullable=True))
    op.create_table('susar_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('adverse_event_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('recipient', sa.String(length=32), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.Column('sent_by', sa.String(length=120), nullable=False),
    sa.Column('reference', sa.String(length=120), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['adverse_event_id'], ['adverse_event.id'], name=op.f('fk_susar_report_adverse_event_id_adverse_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_susar_report'))
    )
    with op.batch_alter_table('susar_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_susar_report_adverse_event_id'), ['adverse_event_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('susar_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_susar_report_adverse_event_id'))
    op.drop_table('susar_report')
    with op.batch_alter_table('adverse_event', schema=None) as batch_op:
        batch_op.drop_column('rsi_version')
        batch_op.drop_column('rsi_document')
        batch_op.drop_column('expectedness')
