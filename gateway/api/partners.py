"""``/api/partners``: onboard and manage trading partners over HTTP (operator bearer token).

The same service as ``b2bgw partners`` and the /admin pages (:mod:`gateway.onboarding.service`):
422 names every invalid field (``loc`` ``["body", "settings", "price_tolerance"]``, as FastAPI's
own validation answers do), 404 an unknown partner or credential, 409 a duplicate id, X12
identity or AS2 name, or a state the partner is already in. A secret (a new password or token)
is in the answer that issues it and nowhere else.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlmodel import Session

from gateway.api.deps import ServicesDep
from gateway.auth.deps import require_role
from gateway.auth.partner_credentials import (
    CredentialError,
    add_certificate,
    issue_token,
    revoke_credential,
    set_password,
)
from gateway.auth.tables import PartnerCredential
from gateway.auth.tokens import Principal, Role
from gateway.onboarding.check import CheckStep, check_partner
from gateway.onboarding.service import (
    PartnerConflict,
    PartnerNotFound,
    add_partner,
    commit,
    disable_partner,
    enable_partner,
    get_partner,
    list_partners,
    show_partner,
    update_partner,
)
from gateway.onboarding.settings import SettingsError
from gateway.onboarding.views import CredentialView, PartnerDetail, PartnerSummary
from gateway.services import Services
from gateway.store.db import session

router = APIRouter(prefix="/api/partners", tags=["partners"])
OperatorDep = Annotated[Principal, Depends(require_role(Role.OPERATOR))]


class PartnerFields(BaseModel):
    """The columns of a partner that can change (every one optional in a PATCH)."""

    name: str | None = Field(None, description="the partner's name, for people")
    customer_id: str | None = Field(None, description="the ERP customer this partner buys as")
    x12_qualifier: str | None = Field(None, description="the partner's ISA05: 2 characters (default ZZ)")
    x12_id: str | None = Field(None, description="the partner's ISA06, 1-15 characters (default: the id in capitals)")
    x12_application_id: str | None = Field(None, description="the partner's GS02, when not its ISA06")
    our_x12_qualifier: str | None = Field(None, description="our ISA07 toward it (default ZZ)")
    our_x12_id: str | None = Field(None, description="our ISA08 toward it (default: what most partners know us as)")
    our_x12_application_id: str | None = Field(None, description="our GS03, when not our ISA id")
    x12_version: str | None = Field(None, description="004010 or 005010: the version we answer in")
    usage: str | None = Field(None, description="ISA15: P production, T test")
    as2_id: str | None = Field(None, description="the partner's AS2 name (AS2-From): 1-128 printable ASCII")


class PartnerCreate(PartnerFields):
    """A new partner: id, name and ERP customer, its identities and settings (see docs/partners.md)."""

    id: str = Field(description="the partner id: letters, digits, '.', '_', '-' (it is in /edi/{id})")
    name: str = Field(description="the partner's name, for people")  # type: ignore[assignment]
    customer_id: str = Field(description="the ERP customer this partner buys as")  # type: ignore[assignment]
    settings: dict[str, Any] = Field(default_factory=dict, description="the partner's settings (docs/partners.md)")


class PartnerPatch(PartnerFields):
    """A change: the fields given change, the rest stays (null clears as2_id and the application ids)."""

    settings: dict[str, Any] = Field(
        default_factory=dict, description="settings to set, each replacing that whole setting; a null value "
                                          "removes the setting (back to its default)")
    unset_settings: list[str] = Field(default_factory=list, description="settings to remove")


class DisableRequest(BaseModel):
    """Why the partner is disabled (kept, shown with it)."""

    reason: str = Field(min_length=1, max_length=500)


class CredentialRequest(BaseModel):
    """A credential to issue: a token, a password (given or generated) or a client certificate."""

    kind: Literal["token", "password", "certificate"] = Field(description="what to issue")
    label: str = Field("", max_length=120, description="which system of the partner holds it")
    password: str | None = Field(None, description="kind password: the password (at least 12 characters); "
                                                   "left out, a strong one is generated")
    pem: str | None = Field(None, description="kind certificate: the client certificate, PEM")
    fingerprint: str | None = Field(None, description="kind certificate: or its SHA-256 fingerprint")


class IssuedCredentialOut(BaseModel):
    """The credential issued and, for a token or generated password, its secret: shown this once only."""

    credential: CredentialView
    secret: str | None = Field(description="the token or password; not stored, not shown again")


class CheckOut(BaseModel):
    """The partner's check: each step and whether all passed."""

    ok: bool
    steps: list[dict[str, Any]] = Field(description="each step: name, ok, detail")


def _unprocessable(exc: SettingsError) -> HTTPException:
    detail = [{"loc": ["body", *path.split(".")], "msg": why, "type": "value_error"} for path, why in exc.problems]
    return HTTPException(422, detail)


def _answer(exc: Exception) -> HTTPException:
    if isinstance(exc, SettingsError):
        return _unprocessable(exc)
    if isinstance(exc, PartnerNotFound):
        return HTTPException(status.HTTP_404_NOT_FOUND, str(exc))
    if isinstance(exc, PartnerConflict):
        return HTTPException(status.HTTP_409_CONFLICT, str(exc))
    if isinstance(exc, CredentialError):
        return HTTPException(422, str(exc))
    raise exc


def _detail(s: Session, services: Services, partner_id: str) -> PartnerDetail:
    return show_partner(s, partner_id, warning_days=services.settings.certificate_warning_days,
                        our_as2_id=services.settings.as2_id)


@router.get("", response_model=list[PartnerSummary])
def partners(services: ServicesDep, _operator: OperatorDep) -> list[PartnerSummary]:
    """Every partner with its status, credential count, AS2 name and earliest certificate expiry."""
    with session(services.engine) as s:
        return list_partners(s)


@router.post("", response_model=PartnerDetail, status_code=status.HTTP_201_CREATED)
def create(body: PartnerCreate, services: ServicesDep, operator: OperatorDep) -> PartnerDetail:
    """Add a partner (identities, ERP customer, settings), each field checked; audited."""
    fields = body.model_dump(exclude={"settings"}, exclude_none=True)
    with session(services.engine) as s:
        try:
            add_partner(s, fields, body.settings, actor=operator.name)
            commit(s)
        except (SettingsError, PartnerConflict) as exc:
            raise _answer(exc) from exc
        return _detail(s, services, body.id)


@router.get("/{partner_id}", response_model=PartnerDetail)
def partner(partner_id: str, services: ServicesDep, _operator: OperatorDep) -> PartnerDetail:
    """One partner whole: identities, settings (secrets hidden), what is invalid, credentials, certificates."""
    with session(services.engine) as s:
        try:
            return _detail(s, services, partner_id)
        except PartnerNotFound as exc:
            raise _answer(exc) from exc


@router.patch("/{partner_id}", response_model=PartnerDetail)
def change(partner_id: str, body: PartnerPatch, services: ServicesDep, operator: OperatorDep) -> PartnerDetail:
    """Change some fields and settings; audited with before and after."""
    fields = body.model_dump(exclude={"settings", "unset_settings"}, exclude_unset=True)
    to_set = {k: v for k, v in body.settings.items() if v is not None}
    to_unset = [*body.unset_settings, *(k for k, v in body.settings.items() if v is None)]
    with session(services.engine) as s:
        try:
            update_partner(s, partner_id, fields=fields, set_settings=to_set, unset_settings=to_unset,
                           actor=operator.name)
            commit(s)
        except (SettingsError, PartnerNotFound, PartnerConflict) as exc:
            raise _answer(exc) from exc
        return _detail(s, services, partner_id)


@router.post("/{partner_id}/disable", response_model=PartnerDetail)
def disable(partner_id: str, body: DisableRequest, services: ServicesDep, operator: OperatorDep) -> PartnerDetail:
    """Disable the partner: every channel refuses it (403) until enabled; its documents stay."""
    with session(services.engine) as s:
        try:
            disable_partner(s, partner_id, reason=body.reason, actor=operator.name)
        except (SettingsError, PartnerNotFound, PartnerConflict) as exc:
            raise _answer(exc) from exc
        s.commit()
        return _detail(s, services, partner_id)


@router.post("/{partner_id}/enable", response_model=PartnerDetail)
def enable(partner_id: str, services: ServicesDep, operator: OperatorDep) -> PartnerDetail:
    """Let a disabled partner in again."""
    with session(services.engine) as s:
        try:
            enable_partner(s, partner_id, actor=operator.name)
        except (PartnerNotFound, PartnerConflict) as exc:
            raise _answer(exc) from exc
        s.commit()
        return _detail(s, services, partner_id)


@router.get("/{partner_id}/credentials", response_model=list[CredentialView])
def credentials(partner_id: str, services: ServicesDep, _operator: OperatorDep,
                include_revoked: bool = Query(False, description="list revoked credentials too")
                ) -> list[CredentialView]:
    """The partner's credentials: kind, label, dates; never a secret."""
    with session(services.engine) as s:
        try:
            return show_partner(s, partner_id, include_revoked=include_revoked).credentials
        except PartnerNotFound as exc:
            raise _answer(exc) from exc


@router.post("/{partner_id}/credentials", response_model=IssuedCredentialOut, status_code=status.HTTP_201_CREATED)
def issue(partner_id: str, body: CredentialRequest, services: ServicesDep,
          operator: OperatorDep) -> IssuedCredentialOut:
    """Issue a token or password (the secret is in this answer only) or admit a client certificate."""
    with session(services.engine) as s:
        try:
            get_partner(s, partner_id)
            if body.kind == "token":
                issued = issue_token(s, partner_id, actor=operator.name, label=body.label)
            elif body.kind == "password":
                issued = set_password(s, partner_id, actor=operator.name, password=body.password)
            else:
                issued = add_certificate(s, partner_id, actor=operator.name, label=body.label,
                                         pem=body.pem.encode() if body.pem else None, fingerprint=body.fingerprint)
        except (PartnerNotFound, CredentialError) as exc:
            raise _answer(exc) from exc
        s.commit()
        s.refresh(issued.row)
        # a password the caller chose is not echoed back: only what we generated is shown, once
        secret = None if body.kind == "password" and body.password is not None else issued.secret
        return IssuedCredentialOut(credential=CredentialView.of(issued.row), secret=secret)


@router.delete("/{partner_id}/credentials/{credential_id}", response_model=CredentialView)
def revoke(partner_id: str, credential_id: int, services: ServicesDep, operator: OperatorDep) -> CredentialView:
    """Revoke a credential: the next upload with it is refused."""
    with session(services.engine) as s:
        row = s.get(PartnerCredential, credential_id)
        if row is None or row.partner_id != partner_id:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"partner {partner_id!r} has no credential {credential_id}")
        try:
            revoke_credential(s, credential_id, actor=operator.name)
        except CredentialError as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
        s.commit()
        s.refresh(row)
        return CredentialView.of(row)


@router.post("/{partner_id}/check", response_model=CheckOut)
async def check(partner_id: str, services: ServicesDep, _operator: OperatorDep) -> CheckOut:
    """Test the partner's set-up and outbound channel step by step (connect, TLS, HTTP; folder; AS2)."""
    try:
        steps: list[CheckStep] = await run_in_threadpool(
            lambda: check_partner(services.engine, services.settings, partner_id, erp=services.erp))
    except PartnerNotFound as exc:
        raise _answer(exc) from exc
    return CheckOut(ok=all(step.ok for step in steps),
                    steps=[{"name": step.name, "ok": step.ok, "detail": step.detail} for step in steps])


__all__ = ["router"]
