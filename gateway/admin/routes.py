"""``/admin``: the operator pages (see the package docstring).

Every page needs a signed-in operator (:mod:`gateway.admin.auth`); a page asked for without one
redirects to the sign-in form and comes back after. Actions (replay, edit and retry, sign out) are
POSTs with the CSRF token, recorded in the audit log, and answer with a redirect so a reload never
repeats them.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import time
from dataclasses import replace
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from gateway.admin import sessions
from gateway.admin.auth import COOKIE, clear_cookie, csrf_ok, csrf_token, give_cookie, signed_in
from gateway.admin.queries import choices, kpis, linked, states_overview
from gateway.api.client import client_address
from gateway.api.deps import ServicesDep
from gateway.as2.queries import as2_messages_of
from gateway.auth.audit import audit, audit_trail
from gateway.auth.deps import token_attempt
from gateway.auth.throttle import LOCKED, locked_for, record_failure, record_success
from gateway.auth.tokens import Principal, Role, authenticate
from gateway.credit.actions import CreditActionError, list_holds, reject_hold, release_hold
from gateway.delivery.attempts import attempts_of
from gateway.delivery.edits import EditRefused, edit_and_retry, edit_of
from gateway.pipeline.price_holds import PriceHoldError, reject_price_hold, release_price_hold
from gateway.pipeline.replay import ReplayRefused, replay
from gateway.store.db import session
from gateway.store.documents import history
from gateway.store.search import DocumentFilter, find_documents
from gateway.store.tables import Document

log = logging.getLogger(__name__)
router = APIRouter(prefix="/admin", include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(str(files("gateway.admin").joinpath("templates")))))
STARTED = time.time()
PAGE_SIZE = 50


def signed_in_operator(request: Request, services: ServicesDep) -> Principal:
    """The signed-in operator; without one, a redirect to the sign-in form that comes back here after."""
    principal = signed_in(request, services)
    if principal is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise HTTPException(303, "sign in first", headers={"Location": f"/admin/login?next={quote(target)}"})
    return principal


OperatorPage = Annotated[Principal, Depends(signed_in_operator)]


def page(request: Request, name: str, operator: Principal, status_code: int = 200, **context: Any) -> HTMLResponse:
    """An operator page: the template with who is signed in, the form token and the notice of the last action."""
    return templates.TemplateResponse(request, name, {"operator": operator.name, "csrf": csrf_token(request),
                                                      "notice": request.query_params.get("notice"), **context},
                                      status_code=status_code)


def back(path: str, notice: str) -> RedirectResponse:
    """After an action: back to ``path`` with its notice (a reload then never repeats the action)."""
    return RedirectResponse(f"{path}?notice={quote(notice)}", status_code=303)


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


# -- signing in ------------------------------------------------------------------------------


@router.get("", response_class=RedirectResponse)
def home() -> RedirectResponse:
    """The documents are the home page."""
    return RedirectResponse("/admin/documents", status_code=303)


SIGN_IN_FAILED = "That is not a valid operator token."


def _target(next: str) -> str:
    """Where to go after signing in: an operator page or the sandbox of this site, never another site."""
    same_site = next.startswith(("/admin", "/sandbox")) and not next.startswith("//") and "\\" not in next
    return next if same_site else "/admin/documents"


def _refused(request: Request, next: str, *, retry_after: float | None = None) -> HTMLResponse:
    """The one answer to a failed sign-in: a wrong token, not an operator's, or a lockout (then Retry-After)."""
    answer = templates.TemplateResponse(request, "login.html", {"next": next, "error": SIGN_IN_FAILED},
                                        status_code=401)
    if retry_after is not None:
        answer.headers["Retry-After"] = str(max(1, math.ceil(retry_after)))
    return answer


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/admin/documents") -> HTMLResponse:
    """The sign-in form."""
    return templates.TemplateResponse(request, "login.html", {"next": next, "error": None})


@router.post("/login", response_model=None)
def login(request: Request, services: ServicesDep, token: Annotated[str, Form()],
          next: Annotated[str, Form()] = "/admin/documents") -> Response:
    """Check the token; an operator gets a new session's cookie and goes where it was going.

    Wrong tokens are counted (:mod:`gateway.auth.throttle`); during a lockout the token is not even
    checked, and the answer is the same refusal as for a wrong one.
    """
    client = client_address(request)
    token = token.strip()
    # Counted as the token presented (its public id, or only the address for a token not in our format):
    # one "admin" counter would let anyone lock every operator out with five wrong guesses.
    attempt = replace(token_attempt(token, client), channel="admin")
    locked = locked_for(services.engine, attempt, services.settings)
    if locked is not None:
        record_failure(services.engine, attempt, services.settings, reason=LOCKED)
        return _refused(request, next, retry_after=locked)
    principal = authenticate(services.engine, token, operator_token=services.settings.operator_token)
    if principal is None or principal.role is not Role.OPERATOR:
        reason = "not_operator" if principal else "bad_secret"
        log.warning("operator pages: refused sign-in from %s (%s)", client, reason)
        record_failure(services.engine, attempt, services.settings, reason=reason)
        return _refused(request, next)
    record_success(services.engine, attempt, services.settings)
    key = sessions.open_session(services.engine, principal, token, client=client, settings=services.settings)
    with session(services.engine) as s:
        audit(s, actor=principal.name, action="admin.sign_in", target="admin", client=client)
        s.commit()
    answer = RedirectResponse(_target(next), status_code=303)
    give_cookie(request, answer, key, services)
    return answer


@router.post("/logout", response_model=None)
def logout(request: Request, services: ServicesDep, csrf: Annotated[str, Form()] = "") -> Response:
    """End the session on the server (its cookie opens nothing after) and forget the cookie."""
    answer = RedirectResponse("/admin/login", status_code=303)
    if csrf_ok(request, csrf):
        ended = sessions.revoke(services.engine, request.cookies.get(COOKIE, ""))
        if ended is not None:
            with session(services.engine) as s:
                audit(s, actor=ended.actor, action="admin.sign_out", target="admin", client=client_address(request))
                s.commit()
        clear_cookie(request, answer)
    return answer


# -- documents -------------------------------------------------------------------------------


@router.get("/documents", response_model=None)
def documents(request: Request, services: ServicesDep, operator: OperatorPage, partner: str = "", standard: str = "",
              type: str = "", state: str = "", direction: str = "", po: str = "", q: str = "", since: str = "",
              until: str = "", before: int | None = Query(None, ge=1)) -> Response:
    """Documents newest first, filtered; 50 a page, "older" pages back."""
    where = DocumentFilter(partner=partner.strip(), standard=standard.strip(), doc_type=type.strip(),
                           state=state.strip(), direction=direction.strip(), po_number=po.strip(),
                           since=_date(since), until=_date(until), search=q.strip())
    with session(services.engine) as s:
        rows = find_documents(s, where, limit=PAGE_SIZE + 1, before_id=before)
        options = choices(s)
    older = rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None
    return page(request, "documents.html", operator, docs=rows[:PAGE_SIZE], where=where, options=options,
                 older=older, query=where.query_string())


@router.get("/documents/{document_id}", response_model=None)
def document(request: Request, services: ServicesDep, operator: OperatorPage, document_id: int) -> Response:
    """One document whole, with what can be done with it."""
    with session(services.engine) as s:
        doc = s.get(Document, document_id)
        if doc is None:
            return page(request, "missing.html", operator, status_code=404, what=f"document {document_id}")
        context = {
            "doc": doc, "raw": doc.raw.decode("utf-8", errors="replace"),
            "canonical": json.dumps(doc.canonical, indent=2, ensure_ascii=False) if doc.canonical else None,
            "events": history(s, document_id), "attempts": attempts_of(s, document_id=document_id),
            "linked": linked(s, doc), "acknowledgment": s.get(Document, doc.acknowledged_by)
            if doc.acknowledged_by else None, "edit": edit_of(services.engine, document_id),
            "audit": audit_trail(s, target=f"document:{document_id}", limit=50),
            "as2_messages": as2_messages_of(s, document_id),
        }
    return page(request, "document.html", operator, **context)


@router.post("/documents/{document_id}/replay", response_model=None)
async def replay_document(request: Request, services: ServicesDep, operator: OperatorPage, document_id: int,
                          csrf: Annotated[str, Form()] = "") -> Response:
    """Queue the document again (the pipeline's replay: idempotent, never a second ERP order)."""
    path = f"/admin/documents/{document_id}"
    if not csrf_ok(request, csrf):
        return back(path, "The form had expired; nothing was done. Try again.")
    try:
        state = await run_in_threadpool(replay, services.engine, document_id, actor=operator.name)
    except ReplayRefused as exc:
        return back(path, f"Not replayed: {exc}")
    with session(services.engine) as s:
        audit(s, actor=operator.name, action="document.replay", target=f"document:{document_id}", state=state.value)
        s.commit()
    return back(path, f"Replayed: the document is {state.value} now.")


@router.get("/documents/{document_id}/edit", response_model=None)
def edit_form(request: Request, services: ServicesDep, operator: OperatorPage, document_id: int) -> Response:
    """The raw document in a text area, to correct and retry."""
    with session(services.engine) as s:
        doc = s.get(Document, document_id)
        if doc is None:
            return page(request, "missing.html", operator, status_code=404, what=f"document {document_id}")
    return page(request, "edit.html", operator, doc=doc, raw=doc.raw.decode("utf-8", errors="replace"),
                 problems=[], reason="")


@router.post("/documents/{document_id}/edit", response_model=None)
async def edit_document(request: Request, services: ServicesDep, operator: OperatorPage, document_id: int,
                        raw: Annotated[str, Form()], reason: Annotated[str, Form()] = "",
                        csrf: Annotated[str, Form()] = "") -> Response:
    """Store the corrected copy beside the original (kept) and queue it; refusals show on the form."""
    with session(services.engine) as s:
        doc = s.get(Document, document_id)
    if doc is None:
        return page(request, "missing.html", operator, status_code=404, what=f"document {document_id}")
    if not csrf_ok(request, csrf):
        return back(f"/admin/documents/{document_id}", "The form had expired; nothing was done. Try again.")
    try:
        edited = await run_in_threadpool(edit_and_retry, services.engine, document_id, raw.encode("utf-8"),
                                         actor=operator.name, reason=reason)
    except EditRefused as exc:
        return page(request, "edit.html", operator, status_code=422, doc=doc, raw=raw, reason=reason,
                     problems=[str(exc), *exc.problems])
    with session(services.engine) as s:
        audit(s, actor=operator.name, action="document.edit", target=f"document:{document_id}",
              edited=edited.id, reason=reason)
        s.commit()
    done = "sent" if edited.direction == "out" else "queued"
    return back(f"/admin/documents/{edited.id}", f"Corrected copy of document {document_id} {done}.")


# -- credit holds ----------------------------------------------------------------------------


@router.get("/credit-holds", response_model=None)
def credit_holds(request: Request, services: ServicesDep, operator: OperatorPage) -> Response:
    """Orders waiting on credit hold, oldest first, each with release and reject."""
    return page(request, "credit_holds.html", operator, holds=list_holds(services.engine))


@router.post("/credit-holds/{hold_id}", response_model=None)
async def decide_hold(request: Request, services: ServicesDep, operator: OperatorPage, hold_id: int,
                      decision: Annotated[str, Form()], note: Annotated[str, Form()] = "",
                      csrf: Annotated[str, Form()] = "") -> Response:
    """Release (the order goes on to the ERP) or reject (the partner gets a rejection) a held order."""
    if not csrf_ok(request, csrf):
        return back("/admin/credit-holds", "The form had expired; nothing was done. Try again.")
    action = {"release": release_hold, "reject": reject_hold}.get(decision)
    if action is None:
        return back("/admin/credit-holds", f"Unknown decision {decision!r}: release or reject.")
    text = note.strip() or None
    try:
        row = await run_in_threadpool(lambda: action(services.engine, hold_id, actor=operator.name, **(
            {"note": text} if decision == "release" else {"reason": text})))
    except CreditActionError as exc:
        return back("/admin/credit-holds", f"Nothing done: {exc}")
    return back("/admin/credit-holds", f"Order {row.po_number} of {row.customer_id}: {row.reason}.")


# -- price holds ------------------------------------------------------------------------------


@router.post("/documents/{document_id}/price-hold", response_model=None)
async def decide_price_hold(request: Request, services: ServicesDep, operator: OperatorPage, document_id: int,
                            decision: Annotated[str, Form()], note: Annotated[str, Form()] = "",
                            csrf: Annotated[str, Form()] = "") -> Response:
    """Release (placed at the partner's prices) or reject (the partner gets our prices) an order on price hold."""
    document_page = f"/admin/documents/{document_id}"
    if not csrf_ok(request, csrf):
        return back(document_page, "The form had expired; nothing was done. Try again.")
    action = {"release": release_price_hold, "reject": reject_price_hold}.get(decision)
    if action is None:
        return back(document_page, f"Unknown decision {decision!r}: release or reject.")
    text = note.strip() or None
    try:
        doc = await run_in_threadpool(lambda: action(services.engine, document_id, actor=operator.name, **(
            {"note": text} if decision == "release" else {"reason": text})))
    except PriceHoldError as exc:
        return back(document_page, f"Nothing done: {exc}")
    return back(document_page, f"Order {doc.po_number}: {doc.state}.")


# -- KPIs, audit (the partner pages: gateway.admin.partners) -----------------------------------


@router.get("/kpis", response_model=None)
def kpi_dashboard(request: Request, services: ServicesDep, operator: OperatorPage,
                  hours: int = Query(24, ge=1, le=24 * 90)) -> Response:
    """Per partner over the last ``hours``: volume, error rate, processing time, throughput; and uptime."""
    since = dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours)
    with session(services.engine) as s:
        rows = kpis(s, since)
        states = states_overview(s)
    return page(request, "kpis.html", operator, rows=rows, states=sorted(states.items()), hours=hours,
                 uptime=dt.timedelta(seconds=int(time.time() - STARTED)))


@router.get("/audit", response_model=None)
def audit_log(request: Request, services: ServicesDep, operator: OperatorPage) -> Response:
    """The latest operator actions: sign-ins, replays, edits, releases, token changes."""
    with session(services.engine) as s:
        entries = audit_trail(s, limit=200)
    return page(request, "audit.html", operator, entries=entries)


__all__ = ["router"]
