"""Treatment and safety: plans with confirmed doses, cycles, laboratory results with their
CTCAE grade, adverse events (seriousness, relatedness, SAE clock), dose decisions.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 07:18:08.546725
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dawna.store.base import UTCDateTime

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dose_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('drug', sa.String(length=40), nullable=False),
    sa.Column('decision_date', sa.Date(), nullable=False),
    sa.Column('proposed_action', sa.String(length=16), nullable=False),
    sa.Column('proposed_level', sa.Integer(), nullable=True),
    sa.Column('rule', sa.Text(), nullable=False),
    sa.Column('based_on', sa.JSON(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('level_from', sa.Integer(), nullable=True),
    sa.Column('level_to', sa.Integer(), nullable=True),
    sa.Column('dose_to', sa.Float(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_by', sa.String(length=64), nullable=False),
    sa.Column('decided_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_dose_decision_participant_id_participant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dose_decision'))
    )
    with op.batch_alter_table('dose_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dose_decision_participant_id'), ['participant_id'], unique=False)

    op.create_table('lab_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('sample_date', sa.Date(), nullable=False),
    sa.Column('analyte', sa.String(length=16), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('unit', sa.String(length=16), nullable=False),
    sa.Column('lln', sa.Float(), nullable=True),
    sa.Column('uln', sa.Float(), nullable=True),
    sa.Column('baseline', sa.Float(), nullable=True),
    sa.Column('grade', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=80), nullable=False),
    sa.Column('rule', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_lab_result_participant_id_participant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lab_result'))
    )
    with op.batch_alter_table('lab_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lab_result_participant_id'), ['participant_id'], unique=False)

    op.create_table('treatment_cycle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('cycle', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('planned_date', sa.Date(), nullable=False),
    sa.Column('delay_reason', sa.Text(), nullable=True),
    sa.Column('doses', sa.JSON(), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_treatment_cycle_participant_id_participant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_treatment_cycle')),
    sa.UniqueConstraint('participant_id', 'cycle', name='uq_treatment_cycle')
    )
    with op.batch_alter_table('treatment_cycle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_treatment_cycle_participant_id'), ['participant_id'], unique=False)

    op.create_table('treatment_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('arm', sa.String(length=8), nullable=False),
    sa.Column('regimen_id', sa.String(length=120), nullable=False),
    sa.Column('variants', sa.JSON(), nullable=False),
    sa.Column('measures', sa.JSON(), nullable=False),
    sa.Column('doses', sa.JSON(), nullable=False),
    sa.Column('custom_drugs', sa.JSON(), nullable=False),
    sa.Column('confirmed_by', sa.String(length=64), nullable=False),
    sa.Column('confirmed_at', UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_treatment_plan_participant_id_participant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_treatment_plan')),
    sa.UniqueConstraint('participant_id', name=op.f('uq_treatment_plan_participant_id'))
    )
    op.create_table('adverse_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=120), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('stop_date', sa.Date(), nullable=True),
    sa.Column('serious', sa.Boolean(), nullable=False),
    sa.Column('seriousness', sa.JSON(), nullable=False),
    sa.Column('relatedness', sa.JSON(), nullable=False),
    sa.Column('action_taken', sa.String(length=32), nullable=False),
    sa.Column('outcome', sa.String(length=40), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('lab_result_id', sa.Integer(), nullable=True),
    sa.Column('aware_at', UTCDateTime(), nullable=True),
    sa.Column('reported_at', UTCDateTime(), nullable=True),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['lab_result_id'], ['lab_result.id'], name=op.f('fk_adverse_event_lab_result_id_lab_result'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_adverse_event_participant_id_participant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adverse_event')),
    sa.UniqueConstraint('participant_id', 'number', name='uq_adverse_event')
    )
    with op.batch_alter_table('adverse_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_adverse_event_participant_id'), ['participant_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('adverse_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_adverse_event_participant_id'))

    op.drop_table('adverse_event')
    op.drop_table('treatment_plan')
    with op.batch_alter_table('treatment_cycle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_treatment_cycle_participant_id'))

    op.drop_table('treatment_cycle')
    with op.batch_alter_table('lab_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lab_result_participant_id'))

    op.drop_table('lab_result')
    with op.batch_alter_table('dose_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dose_decision_participant_id'))

    op.drop_table('dose_decision')
