"""API tokens: shown once, stored hashed, roles enforced over HTTP, revocation at once, every change audited."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from sqlmodel import select
from typer.testing import CliRunner

from gateway.auth import Principal, Role, TokenError, audit_trail, authenticate, create_token, revoke_token
from gateway.auth.deps import require_role
from gateway.auth.tables import ApiToken
from gateway.auth.tokens import hash_token
from gateway.cli import app as cli_app
from gateway.config import get_settings
from gateway.services import Services
from gateway.store.db import session
from tests.gateway.conftest import OPERATOR_TOKEN


def test_a_token_is_stored_only_as_its_hmac(services: Services) -> None:
    issued = create_token(services.engine, role=Role.MANAGER, name="Maria", actor="test")
    with session(services.engine) as s:
        row = s.exec(select(ApiToken)).one()
    assert issued.token.startswith(f"b2bgw_{row.public_id}_")
    assert len(issued.token) > 50  # 256 random bits after the public id
    assert row.token_hash == hash_token(issued.token) != issued.token
    assert issued.token not in repr(row.model_dump())
    principal = authenticate(services.engine, issued.token)
    assert principal == Principal(name="Maria", role=Role.MANAGER, customers=frozenset(), token_id=row.id)


def test_a_wrong_malformed_or_revoked_token_authenticates_no_one(services: Services) -> None:
    issued = create_token(services.engine, role=Role.SALES_REP, customers=["ACME"], actor="test")
    public = issued.token.rsplit("_", 1)[0]
    assert authenticate(services.engine, public + "_" + "x" * 43) is None  # right row, wrong secret
    assert authenticate(services.engine, "b2bgw_ffffffffffff_" + "x" * 43) is None  # no such row
    assert authenticate(services.engine, "not-a-token") is None
    assert authenticate(services.engine, "") is None
    revoke_token(services.engine, issued.row.id or 0, actor="test")
    assert authenticate(services.engine, issued.token) is None
    with pytest.raises(TokenError, match="already revoked"):
        revoke_token(services.engine, issued.row.id or 0, actor="test")
    with pytest.raises(TokenError, match="no token 999"):
        revoke_token(services.engine, 999, actor="test")


def test_the_installation_operator_token_is_still_an_operator(services: Services) -> None:
    principal = authenticate(services.engine, OPERATOR_TOKEN, operator_token=OPERATOR_TOKEN)
    assert principal is not None and principal.role is Role.OPERATOR
    assert authenticate(services.engine, OPERATOR_TOKEN + "x", operator_token=OPERATOR_TOKEN) is None


def test_a_sales_rep_token_names_its_customers_and_sees_only_them(services: Services) -> None:
    with pytest.raises(TokenError, match="--customers"):
        create_token(services.engine, role=Role.SALES_REP, actor="test")
    issued = create_token(services.engine, role=Role.SALES_REP, customers=["GLOBEX", " ACME", ""], actor="test")
    rep = authenticate(services.engine, issued.token)
    assert rep is not None and rep.customers == frozenset({"ACME", "GLOBEX"})
    assert rep.sees_customer("ACME") and not rep.sees_customer("INITECH")
    assert Principal("m", Role.MANAGER).sees_customer("INITECH")


def test_token_changes_are_audited(services: Services) -> None:
    issued = create_token(services.engine, role=Role.INTEGRATION, name="erp-webhook", actor="alice")
    revoke_token(services.engine, issued.row.id or 0, actor="bob")
    with session(services.engine) as s:
        trail = audit_trail(s, target=f"token:{issued.row.id}")
    assert [(e.action, e.actor) for e in trail] == [("token.revoke", "bob"), ("token.create", "alice")]
    assert trail[1].details == {"role": "integration", "name": "erp-webhook", "customers": []}


ManagerDep = Annotated[Principal, Depends(require_role(Role.MANAGER))]
RepDep = Annotated[Principal, Depends(require_role(Role.SALES_REP, Role.MANAGER))]


@pytest.fixture
def role_client(services: Services) -> Iterator[TestClient]:
    """A tiny app with one route per role requirement, over the real token table."""
    app = FastAPI()
    app.state.services = services
    @app.get("/manager")
    def manager_only(who: ManagerDep) -> dict[str, str]:
        return {"name": who.name, "role": who.role.value}

    @app.get("/reps")
    def reps(who: RepDep) -> dict[str, str]:
        return {"name": who.name, "role": who.role.value}

    with TestClient(app) as client:
        yield client


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_require_role_admits_the_roles_named_and_the_operator(services: Services, role_client: TestClient) -> None:
    rep = create_token(services.engine, role=Role.SALES_REP, name="Sam", customers=["ACME"], actor="t").token
    manager = create_token(services.engine, role=Role.MANAGER, name="Maria", actor="t").token
    machine = create_token(services.engine, role=Role.INTEGRATION, name="erp", actor="t").token
    assert role_client.get("/reps", headers=_bearer(rep)).json() == {"name": "Sam", "role": "sales_rep"}
    assert role_client.get("/manager", headers=_bearer(manager)).json() == {"name": "Maria", "role": "manager"}
    assert role_client.get("/manager", headers=_bearer(OPERATOR_TOKEN)).json()["role"] == "operator"
    refused = role_client.get("/manager", headers=_bearer(rep))
    assert refused.status_code == 403 and "sales_rep" in refused.json()["detail"]
    assert role_client.get("/reps", headers=_bearer(machine)).status_code == 403
    missing = role_client.get("/reps")
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    assert role_client.get("/reps", headers={"Authorization": f"Basic {rep}"}).status_code == 401


def test_operator_tokens_from_the_table_open_the_operator_api(services: Services, client: TestClient) -> None:
    operator = create_token(services.engine, role=Role.OPERATOR, name="ops", actor="t").token
    manager = create_token(services.engine, role=Role.MANAGER, actor="t").token
    assert client.get("/api/documents", headers=_bearer(operator)).status_code == 200
    assert client.get("/api/documents", headers=_bearer(OPERATOR_TOKEN)).status_code == 200
    assert client.get("/api/documents", headers=_bearer(manager)).status_code == 401


def test_tokens_cli_create_shows_the_token_once_list_and_revoke(services: Services,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("B2BGW_DATABASE_URL", services.settings.database_url)
    get_settings.cache_clear()
    runner = CliRunner()
    created = runner.invoke(cli_app, ["tokens", "create", "--role", "sales-rep", "--name", "Sam",
                                      "--customers", "ACME,GLOBEX"])
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[-1]
    rep = authenticate(services.engine, token)
    assert rep is not None and rep.role is Role.SALES_REP and rep.customers == {"ACME", "GLOBEX"}
    listed = runner.invoke(cli_app, ["tokens", "list"])
    assert "sales_rep" in listed.stdout and "ACME,GLOBEX" in listed.stdout and token not in listed.stdout
    assert runner.invoke(cli_app, ["tokens", "revoke", str(rep.token_id)]).exit_code == 0
    assert authenticate(services.engine, token) is None
    again = runner.invoke(cli_app, ["tokens", "revoke", str(rep.token_id)])
    assert again.exit_code == 1 and "already revoked" in again.stderr
    bad = runner.invoke(cli_app, ["tokens", "create", "--role", "admin"])
    assert bad.exit_code == 1 and "unknown role 'admin'" in bad.stderr
    get_settings.cache_clear()
