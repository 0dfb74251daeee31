"""``b2bgw erp check`` for Tryton: is the server there, may the gateway's user log in, is everything it needs set up.

Each check gives one :class:`Finding` with a message an operator can act on (which module to activate,
which setting to fix). Checks that need a connection are skipped once the connection fails, so the first
problem is the one reported, not a cascade of consequences.
"""

from __future__ import annotations

from dataclasses import dataclass

from erp.port import ErpError
from erp.tryton.adapter import TrytonErp

REQUIRED_MODULES: dict[str, str] = {
    "sale": "sales (orders are Tryton sales)",
    "sale_price_list": "customer price lists on sales",
    "sale_credit_limit": "credit limits checked when a sale is confirmed",
    "account_invoice": "customer invoices (810 / UBL Invoice) and their payments",
    "account_invoice_stock": "invoices of what shipped",
    "account_credit_limit": "the party credit limit the gateway reads",
    "stock": "warehouses, stock and customer shipments (856)",
    "product_price_list": "price lists",
    "company": "the seller company",
}


@dataclass(frozen=True)
class Finding:
    """One check: passed or not, what was checked, and what was found (or what to do)."""

    ok: bool
    what: str
    detail: str


def check(erp: TrytonErp) -> list[Finding]:
    """Every check against the adapter's server, stopping early when the connection itself fails."""
    rpc = erp.rpc
    try:
        version = rpc.server_version()
    except ErpError as exc:
        return [Finding(False, "server", f"{exc} - check B2BGW_TRYTON_URL and that trytond is running")]
    findings = [Finding(True, "server", f"Tryton {version} answers at {rpc.endpoint}")]
    try:
        context = rpc.context
    except ErpError as exc:
        findings.append(Finding(False, "login", f"{exc} - check B2BGW_TRYTON_DATABASE, B2BGW_TRYTON_USER and "
                                                f"B2BGW_TRYTON_PASSWORD"))
        return findings
    findings.append(Finding(True, "login", f"logged in as {rpc.login_name}"))
    findings.extend(_modules(erp))
    if not context.get("company"):
        findings.append(Finding(False, "company", f"user {rpc.login_name} has no current company; set one in "
                                                  f"the user's preferences"))
        return findings
    findings.append(Finding(True, "company", f"company {context.get('company.rec_name', context['company'])}, "
                                             f"currency {erp.currency}"))
    try:
        findings.append(Finding(True, "warehouse", f"sales ship from warehouse id {erp.warehouse_id()}"))
    except ErpError as exc:
        findings.append(Finding(False, "warehouse", f"{exc} - set B2BGW_TRYTON_WAREHOUSE to a warehouse code"))
    return findings


def _modules(erp: TrytonErp) -> list[Finding]:
    try:
        rows = erp.rpc.search_read("ir.module", [("name", "in", sorted(REQUIRED_MODULES))], ["name", "state"])
    except ErpError as exc:
        return [Finding(False, "modules", f"cannot read the module list ({exc}); give the user read access to "
                                          f"ir.module or check the modules by hand")]
    states = {row["name"]: row["state"] for row in rows}
    findings: list[Finding] = []
    for name, why in REQUIRED_MODULES.items():
        state = states.get(name)
        if state == "activated":
            findings.append(Finding(True, f"module {name}", "activated"))
        elif state is None:
            findings.append(Finding(False, f"module {name}", f"not installed: pip install trytond-"
                                                             f"{name.replace('_', '-')}, then activate it ({why})"))
        else:
            findings.append(Finding(False, f"module {name}", f"{state}, not activated: activate it in "
                                                             f"Administration > Modules ({why})"))
    return findings


__all__ = ["REQUIRED_MODULES", "Finding", "check"]
