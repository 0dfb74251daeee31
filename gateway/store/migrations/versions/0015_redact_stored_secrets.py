"""redact stored secrets

Data only: the SharedSecret (and CredentialMac, DigitalSignature) text of every stored cXML
document becomes ``[redacted]`` (whether it matched is not known any more), in ``gw_document.raw``
(standard ``cxml``: buyers' requests with their secrets, right or wrong; our documents to buyers
with ours) and in the ``gw_outbox`` payloads of cXML documents. A redacted document's ``sha256``
is that of its bytes now: the digest of the bytes with a (short, guessable) secret would let
anyone holding the table test guesses against it.

A message still to be delivered (pending, retry, delivering, or dead/failed and so redeliverable)
is redacted too: it goes by the ``cxml`` channel, whose transport writes our current secret for
the buyer back in as it sends (``gateway.punchout.delivery``); a message of such a document on
the ``http`` channel is moved to ``cxml`` for that. A message waiting on another channel (a file
drop, AS2) keeps its payload as it is, since nothing there would write the secret back; the
migration logs how many. Rows are read and written in batches of :data:`BATCH`, by id.

Downgrade does nothing: the secrets are gone, and nothing needs them back (a stored request is
never authenticated again; what we send gets our secret from ``gw_cxml_buyer`` at delivery).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 22:50:00

"""
import hashlib
import logging
from collections.abc import Iterator
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from formats.cxml.redaction import redact_secrets

# revision identifiers, used by Alembic.
revision: str = '0015'
down_revision: Union[str, Sequence[str], None] = '0014'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

BATCH = 500
"""Rows read and written at a time: a big document table is never held in memory whole."""
FILLED = ("cxml", "http")
"""The channels a cXML document leaves by whose transport is (or becomes) the one that fills our secret in."""

log = logging.getLogger("alembic.runtime.migration")

documents = sa.table("gw_document", sa.column("id", sa.Integer), sa.column("standard", sa.String),
                     sa.column("raw", sa.LargeBinary), sa.column("sha256", sa.String))
outbox = sa.table("gw_outbox", sa.column("id", sa.Integer), sa.column("channel", sa.String),
                  sa.column("state", sa.String), sa.column("payload", sa.LargeBinary),
                  sa.column("partner_id", sa.String), sa.column("document_id", sa.Integer))
buyers = sa.table("gw_cxml_buyer", sa.column("partner_id", sa.String))


def _batches(connection: sa.Connection, query: sa.Select) -> Iterator[list[sa.Row]]:
    """The rows of ``query`` (ordered by its first column, the id) BATCH at a time."""
    last = 0
    while True:
        rows = connection.execute(query.where(query.selected_columns[0] > last)
                                  .order_by(query.selected_columns[0]).limit(BATCH)).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def upgrade() -> None:
    """Redact the secrets of stored cXML documents and of their outbox messages."""
    connection = op.get_bind()
    changed = 0
    for rows in _batches(connection, sa.select(documents.c.id, documents.c.raw).where(documents.c.standard == "cxml")):
        updates = [{"key": row[0], "raw": kept, "sha256": hashlib.sha256(kept).hexdigest()}
                   for row in rows if (kept := redact_secrets(bytes(row[1]))) != row[1]]
        if updates:
            connection.execute(documents.update().where(documents.c.id == sa.bindparam("key")), updates)
            changed += len(updates)
    cxml_documents = sa.select(documents.c.id).where(documents.c.standard == "cxml")
    cxml_buyers = sa.select(buyers.c.partner_id)
    of_cxml = sa.or_(outbox.c.document_id.in_(cxml_documents), outbox.c.partner_id.in_(cxml_buyers))
    messages = kept_whole = 0
    query = sa.select(outbox.c.id, outbox.c.payload, outbox.c.channel, outbox.c.state).where(of_cxml)
    for rows in _batches(connection, query):
        updates = []
        for key, payload, channel, state in rows:
            kept = redact_secrets(bytes(payload))
            if kept == payload:
                continue
            if state != "delivered" and channel not in FILLED:
                kept_whole += 1
                continue
            moved = "cxml" if state != "delivered" and channel in FILLED else channel
            updates.append({"key": key, "payload": kept, "channel": moved})
        if updates:
            connection.execute(outbox.update().where(outbox.c.id == sa.bindparam("key")), updates)
            messages += len(updates)
    log.info("0015: secrets redacted in %d cXML documents and %d outbox messages; %d messages waiting on a "
             "channel that cannot write our secret back kept theirs", changed, messages, kept_whole)


def downgrade() -> None:
    """Nothing: the secrets are gone for good, and nothing needs them back."""
