"""Participant lifecycle: consent form versions, consents, status events, survival follow-up;
participant states renamed to those of dawna.rules.lifecycle.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 04:01:32.930457
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dawna.store.base import UTCDateTime

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('consent_form_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=20), nullable=False),
    sa.Column('approved_on', sa.Date(), nullable=False),
    sa.Column('approved_by', sa.String(length=200), nullable=False),
    sa.Column('entered_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_form_version')),
    sa.UniqueConstraint('version', name=op.f('uq_consent_form_version_version'))
    )
    op.create_table('consent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=20), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('signed_at', UTCDateTime(), nullable=True),
    sa.Column('obtained_by', sa.String(length=200), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_consent_participant_id_participant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent'))
    )
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_participant_id'), ['participant_id'], unique=False)

    op.create_table('follow_up_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('contact_date', sa.Date(), nullable=False),
    sa.Column('vital_status', sa.String(length=8), nullable=False),
    sa.Column('death_date', sa.Date(), nullable=True),
    sa.Column('death_cause', sa.String(length=200), nullable=True),
    sa.Column('subsequent_therapy', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_follow_up_contact_participant_id_participant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up_contact'))
    )
    with op.batch_alter_table('follow_up_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_up_contact_participant_id'), ['participant_id'], unique=False)

    op.create_table('status_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=32), nullable=False),
    sa.Column('from_status', sa.String(length=32), nullable=False),
    sa.Column('to_status', sa.String(length=32), nullable=False),
    sa.Column('event_date', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_status_event_participant_id_participant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_status_event'))
    )
    with op.batch_alter_table('status_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_status_event_participant_id'), ['participant_id'], unique=False)
    # the states of the state machine: enrolled was randomized; withdrawn ends the study;
    # registered participants without screening data are consented (or pre-screening)
    op.execute("UPDATE participant SET status = 'randomized' WHERE status = 'enrolled'")
    op.execute("UPDATE participant SET status = 'end_of_study' WHERE status = 'withdrawn'")
    op.execute("UPDATE participant SET status = 'consented' WHERE status = 'screening' "
               "AND consent_date IS NOT NULL AND id NOT IN (SELECT participant_id FROM screening)")
    op.execute("UPDATE participant SET status = 'pre_screening' WHERE status = 'screening' "
               "AND consent_date IS NULL AND id NOT IN (SELECT participant_id FROM screening)")


def downgrade() -> None:
    op.execute("UPDATE participant SET status = 'enrolled' WHERE status IN "
               "('randomized', 'on_treatment', 'end_of_treatment', 'follow_up')")
    op.execute("UPDATE participant SET status = 'withdrawn' WHERE status = 'end_of_study'")
    op.execute("UPDATE participant SET status = 'screening' WHERE status IN "
               "('pre_screening', 'consented')")
    with op.batch_alter_table('status_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_status_event_participant_id'))

    op.drop_table('status_event')
    with op.batch_alter_table('follow_up_contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_up_contact_participant_id'))

    op.drop_table('follow_up_contact')
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_participant_id'))

    op.drop_table('consent')
    op.drop_table('consent_form_version')
