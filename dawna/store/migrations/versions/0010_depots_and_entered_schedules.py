"""Depot injections on their own clock (depot_dose) and the schedule of a physician-entered
regimen with its explicit confirmation (treatment_plan.cycle_length_days,
schedule_confirmed_by, schedule_confirmed_at).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 18:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dawna.store.base import UTCDateTime

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('depot_dose',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('drug', sa.String(length=40), nullable=False),
    sa.Column('given_on', sa.Date(), nullable=False),
    sa.Column('dose', sa.Float(), nullable=True),
    sa.Column('unit', sa.String(length=16), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_depot_dose_participant_id_participant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_depot_dose')),
    sa.UniqueConstraint('participant_id', 'drug', 'given_on', name='uq_depot_dose')
    )
    with op.batch_alter_table('depot_dose', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_depot_dose_participant_id'), ['participant_id'], unique=False)
    with op.batch_alter_table('treatment_plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cycle_length_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('schedule_confirmed_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('schedule_confirmed_at', UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('treatment_plan', schema=None) as batch_op:
        batch_op.drop_column('schedule_confirmed_at')
        batch_op.drop_column('schedule_confirmed_by')
        batch_op.drop_column('cycle_length_days')
    with op.batch_alter_table('depot_dose', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_depot_dose_participant_id'))
    op.drop_table('depot_dose')
