"""Clinical forms kept on paper until now (issue 21 items 1-4): concomitant medications, medical
history, vital signs and weight, ECGs.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 22:00:00
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from dawna.store.base import UTCDateTime

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def _owner() -> list[sa.Column[Any]]:
    return [sa.Column('id', sa.Integer(), nullable=False),
            sa.Column('participant_id', sa.Integer(), nullable=False)]


def _recorded() -> list[sa.Column[Any]]:
    return [sa.Column('recorded_by', sa.String(length=64), nullable=False),
            sa.Column('recorded_at', UTCDateTime(), nullable=False),
            sa.Column('version', sa.Integer(), nullable=False)]


def _keys(table: str) -> list[sa.Constraint]:
    return [sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], ondelete='CASCADE'),
            sa.PrimaryKeyConstraint('id', name=f'pk_{table}')]


def _index(table: str) -> None:
    op.create_index(f'ix_{table}_participant_id', table, ['participant_id'])


def upgrade() -> None:
    op.create_table(
        'concomitant_medication', *_owner(),
        sa.Column('drug', sa.String(length=120), nullable=False),
        sa.Column('atc_code', sa.String(length=8), nullable=True),
        sa.Column('dose', sa.Float(), nullable=True),
        sa.Column('unit', sa.String(length=16), nullable=True),
        sa.Column('route', sa.String(length=24), nullable=False),
        sa.Column('frequency', sa.String(length=24), nullable=False),
        sa.Column('indication', sa.String(length=200), nullable=False),
        sa.Column('start_date', sa.Date(), nullable=False),
        sa.Column('stop_date', sa.Date(), nullable=True),
        sa.Column('ongoing', sa.Boolean(), nullable=False),
        sa.Column('adverse_event_id', sa.Integer(), nullable=True),
        sa.Column('cyp3a', sa.String(length=24), nullable=True),
        sa.Column('prohibited', sa.Boolean(), nullable=False),
        *_recorded(), *_keys('concomitant_medication'),
        sa.ForeignKeyConstraint(['adverse_event_id'], ['adverse_event.id'],
                                ondelete='SET NULL'))
    _index('concomitant_medication')
    op.create_table(
        'medical_history', *_owner(),
        sa.Column('condition', sa.String(length=200), nullable=False),
        sa.Column('code', sa.String(length=16), nullable=True),
        sa.Column('start_date', sa.Date(), nullable=True),
        sa.Column('stop_date', sa.Date(), nullable=True),
        sa.Column('ongoing', sa.Boolean(), nullable=False),
        sa.Column('worsened_on', sa.Date(), nullable=True),
        sa.Column('adverse_event_id', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        *_recorded(), *_keys('medical_history'),
        sa.ForeignKeyConstraint(['adverse_event_id'], ['adverse_event.id'],
                                ondelete='SET NULL'))
    _index('medical_history')
    op.create_table(
        'vital_signs', *_owner(),
        sa.Column('measured_on', sa.Date(), nullable=False),
        sa.Column('timepoint', sa.String(length=24), nullable=False),
        sa.Column('height_cm', sa.Float(), nullable=True),
        sa.Column('weight_kg', sa.Float(), nullable=False),
        sa.Column('systolic_mmhg', sa.Float(), nullable=True),
        sa.Column('diastolic_mmhg', sa.Float(), nullable=True),
        sa.Column('pulse_bpm', sa.Float(), nullable=True),
        sa.Column('temperature_c', sa.Float(), nullable=True),
        sa.Column('fever_sustained', sa.Boolean(), nullable=False),
        *_recorded(), *_keys('vital_signs'))
    _index('vital_signs')
    op.create_table(
        'ecg', *_owner(),
        sa.Column('recorded_on', sa.Date(), nullable=False),
        sa.Column('timepoint', sa.String(length=24), nullable=False),
        sa.Column('qt_ms', sa.Float(), nullable=False),
        sa.Column('rr_ms', sa.Float(), nullable=True),
        sa.Column('heart_rate_bpm', sa.Float(), nullable=True),
        sa.Column('qtcf_ms', sa.Float(), nullable=False),
        sa.Column('grade', sa.Integer(), nullable=False),
        sa.Column('torsade', sa.Boolean(), nullable=False),
        *_recorded(), *_keys('ecg'))
    _index('ecg')


def downgrade() -> None:
    for table in ('ecg', 'vital_signs', 'medical_history', 'concomitant_medication'):
        op.drop_index(f'ix_{table}_participant_id', table_name=table)
        op.drop_table(table)
