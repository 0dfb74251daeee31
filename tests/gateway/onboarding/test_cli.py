"""``b2bgw partners``: a partner onboarded end to end from the shell, against the test database.

The commands run through typer's runner on the session's database (SQLite, or PostgreSQL when
``B2BGW_DATABASE_URL`` names it); what they print is checked, and so is what they stored: the
row, its control-number counters, the audit entries with before and after, and that no secret
is ever printed twice.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import select
from typer.testing import CliRunner, Result

from gateway.auth.audit import audit_trail
from gateway.auth.partner_credentials import verify_password
from gateway.auth.tables import PartnerCredential
from gateway.cli import app
from gateway.config import get_settings
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import ControlCounter, Partner


@pytest.fixture
def b2bgw(services: Services, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("B2BGW_DATABASE_URL", services.settings.database_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def run(runner: CliRunner, *args: str, stdin: str | None = None) -> Result:
    return runner.invoke(app, ["partners", *args], input=stdin)


def test_onboard_a_partner_from_the_shell(b2bgw: CliRunner, services: Services) -> None:
    added = run(b2bgw, "add", "northwind", "--name", "Northwind Traders", "--customer", "ACME",
                "--x12-id", "NWIND", "--x12-version", "005010", "--setting", "price_policy=reject",
                "--setting", "price_tolerance=2%",
                "--setting", 'delivery={"channel":"http","destination":"https://edi.northwind.example/in"}')
    assert added.exit_code == 0, added.output
    assert "partner northwind added" in added.output
    with session(services.engine) as s:
        row = s.get(Partner, "northwind")
        assert row is not None and row.x12_id == "NWIND" and row.our_x12_id == "B2BGWSELLER"  # ours as the others
        assert row.settings == {"price_policy": "reject", "price_tolerance": "2%", "delivery": {
            "channel": "http", "destination": "https://edi.northwind.example/in"}}
        assert len(s.exec(select(ControlCounter).where(ControlCounter.partner_id == "northwind")).all()) > 0

    token = run(b2bgw, "token", "northwind", "--label", "their VAN")
    assert token.exit_code == 0, token.output
    secret = token.output.strip().splitlines()[-1]
    assert secret.startswith("b2bgwp_")
    password = run(b2bgw, "password", "northwind", "--password-stdin", stdin="correct horse battery\n")
    assert password.exit_code == 0 and "correct horse" not in password.output

    shown = run(b2bgw, "show", "northwind")
    listed = run(b2bgw, "list")
    credentials = run(b2bgw, "credentials", "northwind")
    for result in (shown, listed, credentials):
        assert result.exit_code == 0, result.output
        # the secret part is everything after the public id (URL-safe base64 may itself hold "_")
        assert secret not in result.output and secret.split("_", 2)[2] not in result.output
        assert "correct horse" not in result.output
    assert "token" in credentials.output and "their VAN" in credentials.output and "password" in credentials.output
    assert "ZZ:NWIND" in shown.output and "005010" in shown.output and "price_policy" in shown.output
    line = next(line for line in listed.output.splitlines() if line.startswith("northwind"))
    assert "active" in line and " 2 " in line and "http" in line
    with session(services.engine) as s:
        stored = s.exec(select(PartnerCredential).where(PartnerCredential.partner_id == "northwind",
                                                        PartnerCredential.kind == "password")).one()
        assert verify_password("correct horse battery", stored.secret_hash or "")
        token_id = s.exec(select(PartnerCredential.id).where(PartnerCredential.partner_id == "northwind",
                                                             PartnerCredential.kind == "token")).one()

    revoked = run(b2bgw, "revoke", "northwind", str(token_id))
    assert revoked.exit_code == 0, revoked.output
    assert run(b2bgw, "revoke", "northwind", str(token_id)).exit_code == 1  # already revoked, said so
    assert "their VAN" not in run(b2bgw, "credentials", "northwind").output
    assert "their VAN" in run(b2bgw, "credentials", "northwind", "--all").output


def test_set_changes_fields_and_settings_and_audits_before_and_after(b2bgw: CliRunner, services: Services) -> None:
    changed = run(b2bgw, "set", "acme", "--name", "Acme Retail", "--usage", "T", "--setting", "price_policy=hold",
                  "--setting", "isa_security=S3CR3T", "--unset-setting", "price_tolerance")
    assert changed.exit_code == 0, changed.output
    with session(services.engine) as s:
        acme = s.get(Partner, "acme")
        assert acme is not None and acme.name == "Acme Retail" and acme.usage == "T"
        assert acme.settings["price_policy"] == "hold" and "price_tolerance" not in acme.settings
        assert acme.settings["isa_security"] == "S3CR3T"
        [entry] = audit_trail(s, target="partner:acme", action="partner.update")
    assert entry.actor == "cli"
    assert entry.details["fields"]["name"] == {"before": "Acme Retail (X12 4010)", "after": "Acme Retail"}
    assert entry.details["fields"]["usage"] == {"before": "P", "after": "T"}
    assert entry.details["settings"]["price_policy"] == {"before": "accept", "after": "hold"}
    assert entry.details["settings"]["price_tolerance"]["after"] is None
    assert "S3CR3T" not in repr(entry.details)  # a secret changed: said, not shown
    assert "S3CR3T" not in run(b2bgw, "show", "acme").output


@pytest.mark.parametrize(("args", "named"), [
    (["set", "acme", "--setting", "price_tolerance=abc"], "settings.price_tolerance: 'abc' is not an amount"),
    (["set", "acme", "--setting", "colour=red"], "settings.colour: unknown setting"),
    (["set", "acme", "--setting", 'delivery={"channel":"http","destination":"edi.example"}'], "settings.delivery"),
    (["set", "acme", "--unset-setting", "rounding"], "settings.rounding: is not set"),
    (["set", "acme", "--x12-version", "004020"], "x12_version: '004020'"),
    (["set", "acme", "--as2-id", "Äcme"], "as2_id:"),
    (["add", "acme", "--name", "A", "--customer", "ACME"], "id: partner 'acme' exists already"),
    (["add", "acme-2", "--name", "A", "--customer", "ACME", "--x12-id", "acmebuyer"], "x12_id: partner 'acme'"),
    (["add", "bad id", "--name", "A", "--customer", "ACME"], "id: 'bad id' is not a partner id"),
    (["add", "p9", "--name", "A", "--customer", "ACME", "--x12-qualifier", "Z"], "x12_qualifier: 'Z'"),
    (["show", "nobody"], "no partner 'nobody'"),
    (["disable", "acme", "--reason", " "], "reason:"),
    (["enable", "acme"], "is not disabled"),
    (["revoke", "acme", "999999"], "has no credential 999999"),
    (["password", "acme", "--password-stdin"], "at least 12 characters"),
])
def test_a_refusal_names_what_is_wrong_and_changes_nothing(b2bgw: CliRunner, services: Services, args: list[str],
                                                          named: str) -> None:
    with session(services.engine) as s:
        before = s.get(Partner, "acme")
        assert before is not None
        snapshot = before.model_dump()
    result = run(b2bgw, *args, stdin="short\n")
    assert result.exit_code == 1, result.output
    assert named in result.output
    with session(services.engine) as s:
        after = s.get(Partner, "acme")
        assert after is not None and after.model_dump() == snapshot
        assert not audit_trail(s, action="partner.update")


def test_an_as2_name_belongs_to_one_partner(b2bgw: CliRunner) -> None:
    assert run(b2bgw, "set", "globex", "--as2-id", "GLOBEX-AS2").exit_code == 0
    taken = run(b2bgw, "set", "acme", "--as2-id", "GLOBEX-AS2")
    assert taken.exit_code == 1 and "as2_id: partner 'globex' already has the AS2 name" in taken.output


def test_disable_and_enable(b2bgw: CliRunner, services: Services) -> None:
    disabled = run(b2bgw, "disable", "globex", "--reason", "contract ended 2026-12-31")
    assert disabled.exit_code == 0, disabled.output
    line = next(line for line in run(b2bgw, "list").output.splitlines() if line.startswith("globex"))
    assert "disabled" in line
    assert "disabled since" in run(b2bgw, "show", "globex").output
    again = run(b2bgw, "disable", "globex", "--reason", "again")
    assert again.exit_code == 1 and "already disabled" in again.output
    assert run(b2bgw, "enable", "globex").exit_code == 0
    with session(services.engine) as s:
        globex = s.get(Partner, "globex")
        assert globex is not None and globex.disabled_at is None and globex.disabled_reason is None
        actions = [e.action for e in audit_trail(s, target="partner:globex")]
    assert actions[:2] == ["partner.enable", "partner.disable"]


def test_a_race_lost_on_the_unique_keys_is_a_conflict_not_a_crash(services: Services) -> None:
    from gateway.onboarding.service import PartnerConflict, commit

    with session(services.engine) as s:
        s.add(Partner(id="acme", name="twin", customer_id="ACME", x12_id="TWIN", our_x12_id="US"))
        with pytest.raises(PartnerConflict, match="at the same moment; nothing was stored"):
            commit(s)
    with session(services.engine) as s:
        acme = s.get(Partner, "acme")
        assert acme is not None and acme.name != "twin"


def test_show_gives_our_as2_name_and_certificate_for_an_as2_partner(b2bgw: CliRunner, services: Services) -> None:
    assert run(b2bgw, "set", "globex", "--as2-id", "GLOBEX-AS2", "--setting", 'as2={"our_id": "SELLER-AS2"}',
               ).exit_code == 0
    before = run(b2bgw, "show", "globex")
    assert "our AS2        SELLER-AS2: no key pair yet (b2bgw as2 keygen --as2-id SELLER-AS2)" in before.output
    assert b2bgw.invoke(app, ["as2", "keygen", "--as2-id", "SELLER-AS2", "--key-type", "ec", "--days", "90"]
                        ).exit_code == 0
    after = run(b2bgw, "show", "globex", "--json")
    assert after.exit_code == 0 and "PRIVATE KEY" not in after.output
    import json

    ours = json.loads(after.output)["our_as2"]
    assert ours["as2_id"] == "SELLER-AS2" and len(ours["fingerprint"]) == 64 and ours["days_left"] in (89, 90)
    assert json.loads(run(b2bgw, "show", "acme", "--json").output)["our_as2"] is None  # not an AS2 partner
