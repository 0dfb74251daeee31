"""``/admin/partners``: the operator's partner pages: list, one partner whole, add, edit, disable, credentials.

The pages call :mod:`gateway.onboarding.service` like ``b2bgw partners`` and ``/api/partners``
do, so a partner onboarded here is checked and audited the same way. Sign-in and CSRF are the
operator pages' own (:mod:`gateway.admin.auth`): every action is a POST carrying the form token
and answers with a redirect, except issuing a token or password, whose answer page shows the
secret that one time (``Cache-Control: no-store``) and never again.

Settings are edited as JSON. Secrets in them (an OCI password hash, an Authorization header of
the delivery route) are shown as "(hidden)"; a "(hidden)" left in place keeps the stored value.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from gateway.admin.auth import csrf_ok
from gateway.admin.routes import OperatorPage, back, page
from gateway.api.deps import ServicesDep
from gateway.auth.audit import audit_trail
from gateway.auth.partner_credentials import CredentialError, issue_token, revoke_credential, set_password
from gateway.auth.tables import PartnerCredential
from gateway.auth.tokens import Principal
from gateway.onboarding.check import check_partner
from gateway.onboarding.identity import CHANGEABLE_FIELDS, identity_of
from gateway.onboarding.service import (
    PartnerConflict,
    PartnerNotFound,
    add_partner,
    commit,
    default_our_x12_id,
    disable_partner,
    enable_partner,
    get_partner,
    list_partners,
    show_partner,
    update_partner,
)
from gateway.onboarding.settings import HIDDEN, SettingsError
from gateway.store.db import session

router = APIRouter(prefix="/admin/partners", include_in_schema=False)
EXPIRED = "The form had expired; nothing was done. Try again."




def _missing(request: Request, operator: Principal, partner_id: str) -> HTMLResponse:
    return page(request, "missing.html", operator, status_code=404, what=f"partner {partner_id}")


def restore_hidden(submitted: Any, stored: Any) -> Any:
    """``submitted`` with every "(hidden)" put back to the stored value at the same place (secrets stay)."""
    if submitted == HIDDEN:
        return stored
    if isinstance(submitted, dict):
        base = stored if isinstance(stored, dict) else {}
        return {k: restore_hidden(v, base.get(k)) for k, v in submitted.items()}
    return submitted


# -- list, one partner -----------------------------------------------------------------------------------------


@router.get("", response_model=None)
def partners(request: Request, services: ServicesDep, operator: OperatorPage) -> Response:
    """Every partner: status, standard, X12 identity, AS2 name, active credentials, certificate expiry."""
    with session(services.engine) as s:
        rows = list_partners(s)
    return page(request, "partners.html", operator, partners=rows,
                 warning_days=services.settings.certificate_warning_days)


def _partner_page(request: Request, services: ServicesDep, operator: Principal, partner_id: str,
                  status_code: int = 200, **extra: Any) -> Response:
    with session(services.engine) as s:
        try:
            detail = show_partner(s, partner_id, warning_days=services.settings.certificate_warning_days,
                                  include_revoked=True, our_as2_id=services.settings.as2_id)
        except PartnerNotFound:
            return _missing(request, operator, partner_id)
        audit = audit_trail(s, target=f"partner:{partner_id}", limit=30)
    return page(request, "partner.html", operator, status_code=status_code, p=detail, audit=audit,
                 settings_json=json.dumps(detail.settings, indent=2, sort_keys=True),
                 warning_days=services.settings.certificate_warning_days, **extra)


@router.get("/new", response_model=None)
def new_form(request: Request, services: ServicesDep, operator: OperatorPage) -> Response:
    """The form to add a partner."""
    with session(services.engine) as s:
        ours = default_our_x12_id(s) or ("ZZ", "")
    values = {"x12_qualifier": "ZZ", "our_x12_qualifier": ours[0], "our_x12_id": ours[1], "x12_version": "004010",
              "usage": "P"}
    return page(request, "partner_form.html", operator, new=True, values=values, settings_text="{}", problems=[])


def _form_fields(form: dict[str, Any]) -> dict[str, str]:
    return {name: str(form[name]).strip() for name in ("id", *CHANGEABLE_FIELDS)
            if name in form and str(form[name]).strip() != ""}


def _parse_settings(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError as exc:
        raise SettingsError([("settings", f"is not JSON: {exc}")]) from None
    if not isinstance(value, dict):
        raise SettingsError([("settings", "must be a JSON object {...}")])
    return value


@router.post("/new", response_model=None)
async def create(request: Request, services: ServicesDep, operator: OperatorPage) -> Response:
    """Add the partner; refusals (each naming its field) show on the form."""
    form = dict(await request.form())
    if not csrf_ok(request, str(form.get("csrf", ""))):
        return back("/admin/partners", EXPIRED)
    fields = _form_fields(form)
    text = str(form.get("settings", "{}"))

    def add() -> str:
        with session(services.engine) as s:
            partner = add_partner(s, fields, _parse_settings(text), actor=operator.name)
            commit(s)
            return partner.id

    try:
        partner_id = await run_in_threadpool(add)
    except (SettingsError, PartnerConflict) as exc:
        problems = [f"{p}: {w}" for p, w in exc.problems] if isinstance(exc, SettingsError) else [str(exc)]
        return page(request, "partner_form.html", operator, status_code=422, new=True, values=fields,
                     settings_text=text, problems=problems)
    return back(f"/admin/partners/{partner_id}", f"Partner {partner_id} added. Give it a credential below.")


@router.get("/{partner_id}", response_model=None)
def partner(request: Request, services: ServicesDep, operator: OperatorPage, partner_id: str) -> Response:
    """One partner whole: identities, settings (with what is invalid), credentials, certificates, its history."""
    return _partner_page(request, services, operator, partner_id)


# -- edit, disable, enable -------------------------------------------------------------------------------------


@router.get("/{partner_id}/edit", response_model=None)
def edit_form(request: Request, services: ServicesDep, operator: OperatorPage, partner_id: str) -> Response:
    """The partner's fields and settings (JSON, secrets hidden) in a form."""
    with session(services.engine) as s:
        try:
            detail = show_partner(s, partner_id)
            values = identity_of(get_partner(s, partner_id))
        except PartnerNotFound:
            return _missing(request, operator, partner_id)
    return page(request, "partner_form.html", operator, new=False, values=values, problems=detail.problems,
                 settings_text=json.dumps(detail.settings, indent=2, sort_keys=True))


@router.post("/{partner_id}/edit", response_model=None)
async def edit(request: Request, services: ServicesDep, operator: OperatorPage, partner_id: str) -> Response:
    """Store the changed fields and settings (the settings field is the whole settings); refusals show on the form."""
    form = dict(await request.form())
    partner_page = f"/admin/partners/{partner_id}"
    if not csrf_ok(request, str(form.get("csrf", ""))):
        return back(partner_page, EXPIRED)
    fields = {k: v for k, v in _form_fields(form).items() if k != "id"}
    for optional in ("x12_application_id", "our_x12_application_id", "as2_id"):
        fields.setdefault(optional, "")  # an emptied box clears the column (checked as None)
    text = str(form.get("settings", "{}"))

    def change() -> None:
        with session(services.engine) as s:
            stored = dict(get_partner(s, partner_id).settings or {})
            wanted = restore_hidden(_parse_settings(text), stored)
            update_partner(s, partner_id, fields=fields, set_settings=wanted,
                           unset_settings=[k for k in stored if k not in wanted], actor=operator.name)
            commit(s)

    try:
        await run_in_threadpool(change)
    except PartnerNotFound:
        return _missing(request, operator, partner_id)
    except (SettingsError, PartnerConflict) as exc:
        problems = [f"{p}: {w}" for p, w in exc.problems] if isinstance(exc, SettingsError) else [str(exc)]
        return page(request, "partner_form.html", operator, status_code=422, new=False,
                     values={"id": partner_id, **fields}, settings_text=text, problems=problems)
    return back(partner_page, "Saved.")


@router.post("/{partner_id}/disable", response_model=None)
def disable(request: Request, services: ServicesDep, operator: OperatorPage, partner_id: str,
            reason: Annotated[str, Form()] = "", csrf: Annotated[str, Form()] = "") -> Response:
    """Disable the partner: every channel refuses it until enabled."""
    partner_page = f"/admin/partners/{partner_id}"
    if not csrf_ok(request, csrf):
        return back(partner_page, EXPIRED)
    try:
        with session(services.engine) as s:
            disable_partner(s, partner_id, reason=reason, actor=operator.name)
            s.commit()
    except PartnerNotFound:
        return _missing(request, operator, partner_id)
    except (SettingsError, PartnerConflict) as exc:
        return back(partner_page, f"Not disabled: {exc}")
    return back(partner_page, f"Partner {partner_id} disabled: every channel refuses it now.")


@router.post("/{partner_id}/enable", response_model=None)
def enable(request: Request, services: ServicesDep, operator: OperatorPage, partner_id: str,
           csrf: Annotated[str, Form()] = "") -> Response:
    """Let the partner in again."""
    partner_page = f"/admin/partners/{partner_id}"
    if not csrf_ok(request, csrf):
        return back(partner_page, EXPIRED)
    try:
        with session(services.engine) as s:
            enable_partner(s, partner_id, actor=operator.name)
            s.commit()
    except PartnerNotFound:
        return _missing(request, operator, partner_id)
    except PartnerConflict as exc:
        return back(partner_page, f"Not enabled: {exc}")
    return back(partner_page, f"Partner {partner_id} enabled.")


# -- credentials, check ----------------------------------------------------------------------------------------


@router.post("/{partner_id}/credentials", response_model=None)
def issue(request: Request, services: ServicesDep, operator: OperatorPage, partner_id: str,
          kind: Annotated[str, Form()] = "token", label: Annotated[str, Form()] = "",
          csrf: Annotated[str, Form()] = "") -> Response:
    """Issue a token or a generated password; the answer page shows it once (not stored, not shown again)."""
    partner_page = f"/admin/partners/{partner_id}"
    if not csrf_ok(request, csrf):
        return back(partner_page, EXPIRED)
    if kind not in ("token", "password"):
        return back(partner_page, f"Unknown credential kind {kind!r}: token or password.")
    try:
        with session(services.engine) as s:
            get_partner(s, partner_id)
            issued = (issue_token(s, partner_id, actor=operator.name, label=label) if kind == "token"
                      else set_password(s, partner_id, actor=operator.name))
            s.commit()
            credential_id = issued.row.id
    except PartnerNotFound:
        return _missing(request, operator, partner_id)
    except CredentialError as exc:
        return back(partner_page, f"Not issued: {exc}")
    answer = _partner_page(request, services, operator, partner_id, issued_secret=issued.secret, issued_kind=kind,
                           issued_id=credential_id)
    answer.headers["Cache-Control"] = "no-store"
    return answer


@router.post("/{partner_id}/credentials/{credential_id}/revoke", response_model=None)
def revoke(request: Request, services: ServicesDep, operator: OperatorPage, partner_id: str, credential_id: int,
           csrf: Annotated[str, Form()] = "") -> Response:
    """Revoke one of the partner's credentials."""
    partner_page = f"/admin/partners/{partner_id}"
    if not csrf_ok(request, csrf):
        return back(partner_page, EXPIRED)
    try:
        with session(services.engine) as s:
            row = s.get(PartnerCredential, credential_id)
            if row is None or row.partner_id != partner_id:
                raise CredentialError(f"partner {partner_id} has no credential {credential_id}")
            revoke_credential(s, credential_id, actor=operator.name)
            s.commit()
    except CredentialError as exc:
        return back(partner_page, f"Not revoked: {exc}")
    return back(partner_page, f"Credential {credential_id} revoked.")


@router.post("/{partner_id}/check", response_model=None)
async def check(request: Request, services: ServicesDep, operator: OperatorPage, partner_id: str,
                csrf: Annotated[str, Form()] = "") -> Response:
    """Run the partner's check (set-up and outbound channel) and show each step."""
    partner_page = f"/admin/partners/{partner_id}"
    if not csrf_ok(request, csrf):
        return back(partner_page, EXPIRED)
    try:
        steps = await run_in_threadpool(
            lambda: check_partner(services.engine, services.settings, partner_id, erp=services.erp))
    except PartnerNotFound:
        return _missing(request, operator, partner_id)
    return await run_in_threadpool(_partner_page, request, services, operator, partner_id, steps=steps)


__all__ = ["restore_hidden", "router"]
