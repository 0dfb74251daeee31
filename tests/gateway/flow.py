"""Helpers shared by the end-to-end tests: post a file, run the workers, read documents back."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from httpx2 import Response
from sqlmodel import select

from formats.x12.envelope import TransactionSet
from formats.x12.reader import read_interchanges
from gateway.pipeline.worker import Worker
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Document

from .conftest import OPERATOR_TOKEN
from .partner_auth import client_edi_headers

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
X12 = FIXTURES / "x12"
AUTH = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}


def sets_of(raw: bytes) -> list[TransactionSet]:
    """The transaction sets of an interchange."""
    return [e for e in read_interchanges(raw) if isinstance(e, TransactionSet)]


def drain(services: Services) -> int:
    """Run a worker until the queue is empty; how many documents it processed."""
    return Worker(services.engine, services.erp, services.settings, worker_id="test-worker").drain()


def docs(services: Services, **where: object) -> list[Document]:
    """Stored documents matching ``where`` (column = value), oldest first."""
    with session(services.engine) as s:
        query = select(Document)
        for name, value in where.items():
            query = query.where(getattr(Document, name) == value)
        return list(s.exec(query.order_by(Document.id)).all())  # type: ignore[arg-type]


def post(client: TestClient, name: str, partner: str = "acme", raw: bytes | None = None) -> Response:
    """Upload a fixture (or ``raw``) to ``/edi/{partner}`` with the partner's own credential."""
    return client.post(f"/edi/{partner}", content=raw if raw is not None else (X12 / name).read_bytes(),
                       headers=client_edi_headers(client, partner))
