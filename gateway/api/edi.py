"""``POST /edi/{partner_id}``: a trading partner uploads an X12 file.

The raw bytes are stored before anything else. The answer carries the ids of the documents made
and, for X12, the 997/999 computed on the spot (also kept in the outbox). Status codes:
202 accepted for processing; 200 a resend of an interchange already received (its original
acknowledgment is repeated); 400 not readable as X12; 403 the interchange's sender or receiver
is not this partner's; 404 unknown partner; 413 too large; 422 every transaction set rejected.
Every one of these leaves a stored document with its error.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from gateway.api.bodies import read_limited
from gateway.api.deps import ServicesDep
from gateway.intake.files import receive_file, refuse_file

router = APIRouter(tags=["edi"])


class UploadAnswer(BaseModel):
    """What an upload answers."""

    document_id: int
    state: str
    documents: list[int]
    acknowledgment_documents: list[int]
    acknowledgment: str | None
    error: str | None
    problems: list[dict[str, object]]
    duplicate_of: int | None


@router.post("/edi/{partner_id}", response_model=UploadAnswer, status_code=202)
async def upload(partner_id: str, request: Request, services: ServicesDep) -> JSONResponse:
    """Store, read, acknowledge and queue an X12 file from ``partner_id``."""
    limit = services.settings.max_upload_bytes
    body = b""
    declared = request.headers.get("content-length", "")
    too_large = declared.isdigit() and int(declared) > limit  # refused before reading a byte
    if not too_large:
        body, too_large = await read_limited(request, limit)
    filename = request.headers.get("x-filename")
    actor = f"http:{partner_id}"
    if too_large:
        size = f"{int(declared):,} bytes" if declared.isdigit() else f"more than {limit:,} bytes"
        result = await run_in_threadpool(refuse_file, services.engine, partner_id=partner_id, raw=body,
                                         error=f"the file is {size}, more than the {limit:,} allowed "
                                               f"(B2BGW_MAX_UPLOAD_BYTES); the first {len(body):,} bytes are kept",
                                         status=413, actor=actor)
    else:
        result = await run_in_threadpool(receive_file, services.engine, partner_id=partner_id, raw=body,
                                         filename=filename, actor=actor)
    answer = UploadAnswer(
        document_id=result.document_id, state=result.state.value, documents=result.documents,
        acknowledgment_documents=result.acknowledgments,
        acknowledgment=result.acknowledgment.decode("latin-1") if result.acknowledgment else None,
        error=result.error, problems=result.problems, duplicate_of=result.duplicate_of,
    )
    return JSONResponse(answer.model_dump(), status_code=result.http_status)
