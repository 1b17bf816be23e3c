"""media source: where a channel keeps a message's file until the worker downloads it (WhatsApp's
MediaUrl), so the webhook is answered before the download

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28 10:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Added and dropped in place (no table rebuild): other tables' foreign keys point at intake.
    op.add_column('intake', sa.Column('media_source', sa.String(length=1000), nullable=True))


def downgrade() -> None:
    op.drop_column('intake', 'media_source')
