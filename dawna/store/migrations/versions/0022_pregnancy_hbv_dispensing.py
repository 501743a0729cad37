"""Pregnancy tests, hepatitis B screening, oral drug dispensing and the dose diary (issue 21
items 5-7): pregnancy_test, hbv_screening, drug_dispensing, dose_diary.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 22:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dawna.store.base import UTCDateTime

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def _common(table: str) -> list[sa.schema.SchemaItem]:
    return [
        sa.Column('recorded_by', sa.String(length=64), nullable=False),
        sa.Column('recorded_at', UTCDateTime(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['participant_id'], ['participant.id'],
                                name=op.f(f'fk_{table}_participant_id_participant'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
    ]


def _index(table: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f'ix_{table}_participant_id'), ['participant_id'],
                              unique=False)


def upgrade() -> None:
    op.create_table('pregnancy_test',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('test_date', sa.Date(), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('result', sa.String(length=16), nullable=False),
    sa.Column('contraception', sa.String(length=120), nullable=False),
    *_common('pregnancy_test'))
    _index('pregnancy_test')
    op.create_table('hbv_screening',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('sample_date', sa.Date(), nullable=False),
    sa.Column('hbsag_positive', sa.Boolean(), nullable=False),
    sa.Column('anti_hbc_positive', sa.Boolean(), nullable=False),
    sa.Column('hbv_dna_iu_ml', sa.Float(), nullable=True),
    sa.Column('prophylaxis_drug', sa.String(length=40), nullable=True),
    sa.Column('prophylaxis_start', sa.Date(), nullable=True),
    *_common('hbv_screening'))
    _index('hbv_screening')
    op.create_table('drug_dispensing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('cycle', sa.Integer(), nullable=False),
    sa.Column('drug', sa.String(length=40), nullable=False),
    sa.Column('dispensed_on', sa.Date(), nullable=False),
    sa.Column('lot_number', sa.String(length=40), nullable=False),
    sa.Column('expiry_date', sa.Date(), nullable=False),
    sa.Column('bottles', sa.Integer(), nullable=False),
    sa.Column('units_dispensed', sa.Integer(), nullable=False),
    sa.Column('unit_strength_mg', sa.Float(), nullable=False),
    sa.Column('units_per_day', sa.Float(), nullable=False),
    sa.Column('prescribed_days', sa.Integer(), nullable=False),
    sa.Column('returned_on', sa.Date(), nullable=True),
    sa.Column('units_returned', sa.Integer(), nullable=True),
    sa.Column('units_lost', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    *_common('drug_dispensing'),
    sa.UniqueConstraint('participant_id', 'cycle', 'drug', name='uq_drug_dispensing'))
    _index('drug_dispensing')
    op.create_table('dose_diary',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('cycle', sa.Integer(), nullable=False),
    sa.Column('drug', sa.String(length=40), nullable=False),
    sa.Column('days', sa.JSON(), nullable=False),
    *_common('dose_diary'),
    sa.UniqueConstraint('participant_id', 'cycle', 'drug', name='uq_dose_diary'))
    _index('dose_diary')


def downgrade() -> None:
    for table in ('dose_diary', 'drug_dispensing', 'hbv_screening', 'pregnancy_test'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_participant_id'))
        op.drop_table(table)
