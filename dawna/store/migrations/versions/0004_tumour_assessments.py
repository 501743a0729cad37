"""Tumour assessments (RECIST 1.1 baseline and follow-up documents).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 03:34:49.121529
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dawna.store.base import UTCDateTime

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tumour_assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('assessment_date', sa.Date(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('entered_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_tumour_assessment_participant_id_participant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tumour_assessment')),
    sa.UniqueConstraint('participant_id', 'kind', 'assessment_date', name='uq_tumour_assessment_date')
    )
    with op.batch_alter_table('tumour_assessment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tumour_assessment_participant_id'), ['participant_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('tumour_assessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tumour_assessment_participant_id'))

    op.drop_table('tumour_assessment')
