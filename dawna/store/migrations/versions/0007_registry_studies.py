"""Studies imported from ClinicalTrials.gov API v2 records.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 05:01:22.391574
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dawna.store.base import UTCDateTime

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('registry_study',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nct_id', sa.String(length=11), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('overall_status', sa.String(length=40), nullable=True),
    sa.Column('phases', sa.String(length=100), nullable=False),
    sa.Column('conditions', sa.Text(), nullable=False),
    sa.Column('interventions', sa.Text(), nullable=False),
    sa.Column('record', sa.JSON(), nullable=False),
    sa.Column('imported_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_study')),
    sa.UniqueConstraint('nct_id', name=op.f('uq_registry_study_nct_id'))
    )


def downgrade() -> None:
    op.drop_table('registry_study')
