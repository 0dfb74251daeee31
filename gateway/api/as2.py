"""``POST /as2``: AS2 (RFC 4130) messages from partners, answered with their MDN; and MDNs of ours.

The body is admitted and read as ``/edi`` reads an upload (:mod:`gateway.api.limits`,
:mod:`gateway.api.bodies`): bounded by ``B2BGW_MAX_UPLOAD_BYTES`` (413, the part that arrived
kept with the refusal), spooled to disk past ``B2BGW_UPLOAD_SPOOL_BYTES``, taken in under one of
the intake slots (503 with ``Retry-After`` when there is no room: nothing is stored, the partner's
AS2 server sends again). What happens to the message is :mod:`gateway.as2.receiving`.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy import Engine

from gateway.api.bodies import new_spool, read_back, spool_limited
from gateway.api.deps import ServicesDep
from gateway.api.limits import Overloaded, UploadGate, UploadGateDep, upload_ticket
from gateway.as2.receiving import As2Answer, read_payload, receive, refuse_too_large

router = APIRouter(tags=["as2"])
log = logging.getLogger(__name__)


@router.post("/as2", responses={
    200: {"description": "the synchronous MDN (multipart/report, signed when asked), or an empty answer when "
                         "the MDN is asynchronous or none was asked for"},
    400: {"description": "not an AS2 message (a header missing), said in plain text; stored"},
    403: {"description": "the sender is not accepted and no synchronous MDN was asked for; stored"},
    413: {"description": "larger than B2BGW_MAX_UPLOAD_BYTES; stored"},
    503: {"description": "no room now; send again after Retry-After seconds (nothing stored)"}})
async def receive_as2(request: Request, services: ServicesDep, gate: UploadGateDep,
                      background: BackgroundTasks) -> Response:
    """Receive one AS2 message (or an asynchronous MDN for one of ours); answer with its MDN.

    The payload is stored with the MDN; the EDI intake reads it once the answer is sent.
    """
    settings = services.settings
    limit = settings.max_upload_bytes
    declared = request.headers.get("content-length", "")
    headers = dict(request.headers.items())
    async with upload_ticket(gate) as ticket:
        if declared.isdigit() and int(declared) <= limit:
            await ticket.hold(int(declared))
        if declared.isdigit() and int(declared) > limit:
            body, too_large = b"", True
        else:
            with new_spool(settings.upload_spool_bytes, settings.upload_spool_dir) as spool:
                size, too_large = await spool_limited(request, limit, spool, None if declared.isdigit() else ticket)
                body = read_back(spool, size)
        async with gate.intake():
            if too_large:
                answer = await run_in_threadpool(refuse_too_large, services.engine, headers, body, limit)
            else:
                answer = await run_in_threadpool(receive, services.engine, settings, headers, body, read_now=False)
    if answer.read_document is not None:
        background.add_task(_read_after_answer, gate, services.engine, answer)
    return _response(answer)


async def _read_after_answer(gate: UploadGate, engine: Engine, answer: As2Answer) -> None:
    """Read the stored payload under an intake slot, like every upload's reading.

    Without the slot a flood of AS2 messages would pile readings up in the thread pool, each
    holding a database connection, past ``B2BGW_INTAKE_CONCURRENCY``. No slot in time: the file
    stays ``received`` (stored, its MDN sent), and the workers' stranded-file sweep reads it.
    """
    try:
        async with gate.intake():
            await run_in_threadpool(read_payload, engine, answer)
    except Overloaded as exc:
        log.warning("AS2 document %s left for the stranded-file sweep: %s", answer.read_document, exc)


def _response(answer: As2Answer) -> Response:
    headers = {k: v for k, v in answer.headers.items() if k.lower() not in ("content-type", "content-length")}
    media_type = next((v for k, v in answer.headers.items() if k.lower() == "content-type"), None)
    return Response(answer.body, status_code=answer.status, headers=headers, media_type=media_type)


__all__ = ["router"]
