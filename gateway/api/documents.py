"""The operator API: find, read and replay any document (bearer token)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query
from fastapi.concurrency import run_in_threadpool

from gateway.api.deps import RowId, ServicesDep
from gateway.api.schemas import DocumentDetail, DocumentSummary, EventView
from gateway.auth.deps import OperatorDep
from gateway.pipeline.replay import ReplayRefused, replay
from gateway.store.db import session
from gateway.store.documents import children, history
from gateway.store.search import DocumentFilter, find_documents
from gateway.store.tables import Document

router = APIRouter(prefix="/api/documents", tags=["operator"])


@router.get("", response_model=list[DocumentSummary])
def documents(services: ServicesDep, _operator: OperatorDep, status: str | None = None,
              partner: str | None = None, type: str | None = None, standard: str | None = None,
              direction: str | None = None, po: str | None = None,
              q: str | None = Query(None, description="text in the PO, ERP order, error, file name or sender"),
              limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0)) -> list[DocumentSummary]:
    """Documents newest first, filtered as on the operator pages (the same query)."""
    where = DocumentFilter(partner=partner or "", standard=standard or "", doc_type=type or "", state=status or "",
                           direction=direction or "", po_number=po or "", search=q or "")
    with session(services.engine) as s:
        return [DocumentSummary.of(d) for d in find_documents(s, where, limit=limit, offset=offset)]


@router.get("/{document_id}", response_model=DocumentDetail)
def document(document_id: RowId, services: ServicesDep, _operator: OperatorDep) -> DocumentDetail:
    """One document whole: raw text, problems, canonical form, history, related documents."""
    with session(services.engine) as s:
        doc = s.get(Document, document_id)
        if doc is None:
            raise HTTPException(404, f"no document {document_id}")
        summary = DocumentSummary.of(doc)
        return DocumentDetail(
            **summary.model_dump(), raw=doc.raw.decode("latin-1"), sha256=doc.sha256, problems=doc.problems,
            canonical=doc.canonical, history=[EventView.of(e) for e in history(s, document_id)],
            children=[DocumentSummary.of(c) for c in children(s, document_id)],
        )


@router.post("/{document_id}/replay")
async def replay_document(document_id: RowId, services: ServicesDep, operator: OperatorDep) -> dict[str, object]:
    """Queue a rejected, dead or processed document again (idempotent: no second ERP order)."""
    try:
        state = await run_in_threadpool(replay, services.engine, document_id, actor=operator)
    except ReplayRefused as exc:
        raise HTTPException(409, str(exc)) from exc
    return {"document_id": document_id, "state": state.value}
