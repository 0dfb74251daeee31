"""queue index: ix_gw_document_due, the documents waiting for a worker, in id order

A claim takes the oldest waiting documents. Without this partial index PostgreSQL walked the
primary key from the first document ever stored and skipped every finished one, so a claim cost
more with every document of history (gateway.store.tables.DUE_WORK).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 22:30:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

DUE_WORK = "state IN ('queued', 'retry')"


def upgrade() -> None:
    """Upgrade schema."""
    op.create_index('ix_gw_document_due', 'gw_document', ['id'], unique=False,
                    postgresql_where=sa.text(DUE_WORK), sqlite_where=sa.text(DUE_WORK))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_gw_document_due', table_name='gw_document')
