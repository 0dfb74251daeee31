"""``POST /edi/{partner_id}``: a trading partner uploads an X12 or UBL file with its own credential.

The partner's credential is checked first (:mod:`gateway.api.partner_auth`): HTTP Basic with the
partner id and its password, ``Authorization: Bearer b2bgwp_...``, or a client certificate passed
on by a trusted TLS terminator. Without one, 401 (``WWW-Authenticate: Basic realm="b2b-gateway",
Bearer``) before a byte of the body is read: nothing is stored, the attempt is counted in
``b2bgw_auth_failures`` and written to the audit log. A disabled partner's credential: 403.

Then the raw bytes are stored before anything else. The answer carries the ids of the documents
made and, for X12, the 997/999 computed on the spot (also kept in the outbox). Status codes:
202 accepted for processing; 200 a resend of an interchange already received (its original
acknowledgment is repeated); 400 not readable as X12 or UBL; 403 the document's sender or
receiver is not this partner's (ISA06/GS02, ISA08, ISA01-04 when the partner has them set, the
UBL BuyerCustomerParty); 413 too large; 422 every transaction set rejected. Every one of these
leaves a stored document with its error. 503 with ``Retry-After``: no room for the file now (see
:mod:`gateway.api.limits`: nothing of it is stored) or the database busy for a moment (see
:mod:`gateway.api.errors`); the partner sends it again.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from gateway.api.bodies import new_spool, read_back, spool_limited
from gateway.api.deps import ServicesDep
from gateway.api.limits import UploadGateDep, upload_ticket
from gateway.api.partner_auth import CHALLENGE, PartnerCallerDep
from gateway.intake.files import receive_file, refuse_file
from gateway.intake.result import IntakeResult

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


@router.post("/edi/{partner_id}", response_model=UploadAnswer, status_code=202,
             responses={401: {"description": "no credential, or not this partner's: nothing was read or stored",
                              "headers": {"WWW-Authenticate": {"description": CHALLENGE,
                                                               "schema": {"type": "string"}}}},
                        403: {"description": "partner disabled; or the document's sender is not this partner "
                                             "(the file is stored with the reason)"},
                        503: {"description": "no room now (uploads in flight, intakes, the database busy); send "
                                             "the file again after Retry-After seconds: a resend never makes a "
                                             "second order"}})
async def upload(partner_id: str, request: Request, caller: PartnerCallerDep, services: ServicesDep,
                 gate: UploadGateDep) -> JSONResponse:
    """Store, read, acknowledge and queue an X12 or UBL file from ``partner_id``, sent with its own credential.

    The body is admitted before it is read (its declared length counted in the bytes in flight,
    :mod:`gateway.api.limits`), spooled to disk past ``B2BGW_UPLOAD_SPOOL_BYTES`` while it
    arrives, and taken in under one of the intake slots. No room for either: 503 with
    ``Retry-After``, and nothing of the file is stored.
    """
    settings = services.settings
    limit = settings.max_upload_bytes
    declared = request.headers.get("content-length", "")
    filename = request.headers.get("x-filename")
    actor = caller.actor  # http:acme:token#3: the partner and the credential it used
    if declared.isdigit() and int(declared) > limit:  # refused before reading a byte
        error = (f"the file is {int(declared):,} bytes, more than the {limit:,} allowed (B2BGW_MAX_UPLOAD_BYTES); "
                 "the first 0 bytes are kept")
        async with gate.intake():
            result = await run_in_threadpool(refuse_file, services.engine, partner_id=partner_id, raw=b"",
                                             error=error, status=413, actor=actor)
        return _answer(result)
    async with upload_ticket(gate) as ticket:
        if declared.isdigit():
            await ticket.hold(int(declared))  # no room: 503 before a byte of the body is read
        with new_spool(settings.upload_spool_bytes, settings.upload_spool_dir) as spool:
            size, too_large = await spool_limited(request, limit, spool, None if declared.isdigit() else ticket)
            body = read_back(spool, size)
        async with gate.intake():
            if too_large:
                error = (f"the file is more than {limit:,} bytes, more than the {limit:,} allowed "
                         f"(B2BGW_MAX_UPLOAD_BYTES); the first {size:,} bytes are kept")
                result = await run_in_threadpool(refuse_file, services.engine, partner_id=partner_id, raw=body,
                                                 error=error, status=413, actor=actor)
            else:
                result = await run_in_threadpool(receive_file, services.engine, partner_id=partner_id, raw=body,
                                                 filename=filename, actor=actor)
    return _answer(result)


def _answer(result: IntakeResult) -> JSONResponse:
    answer = UploadAnswer(
        document_id=result.document_id, state=result.state.value, documents=result.documents,
        acknowledgment_documents=result.acknowledgments,
        acknowledgment=result.acknowledgment.decode("latin-1") if result.acknowledgment else None,
        error=result.error, problems=result.problems, duplicate_of=result.duplicate_of,
    )
    return JSONResponse(answer.model_dump(), status_code=result.http_status)
