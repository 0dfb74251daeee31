"""Seed an activated Tryton database with the demo seller: run as a script by the harness, never imported by tests.

``python -m tests.erp.tryton.seed DBNAME`` with ``TRYTOND_DATABASE__URI`` / ``TRYTOND_DATABASE__PATH`` set
(the harness sets them). It uses proteus on the database directly (no server), once per template: company,
fiscal year and account chart (Tryton's own test helpers), the demo SKUs in two warehouses MAIN and EAST
with the stock of ``erp/builtin/demo_catalog.csv``, the three demo customers with their credit limits and
groups (party categories), a price list assigned to ACME, and the user the adapter logs in as. DEMO-1001
is sold by the "Case of 12" (its template's sale UoM; the built-in demo's ``XCS`` pack size).

The seeded data mirrors the built-in ERP's demo so the same scenarios run against both adapters.
"""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal

from proteus import Model, Wizard
from proteus import config as pconfig

from erp.builtin.demo import DEMO_CUSTOMERS, WAREHOUSES, demo_catalog

# A handful of the demo SKUs is enough for the scenarios (the gateway fixtures order 1001-1003).
SKUS = ("DEMO-1001", "DEMO-1002", "DEMO-1003", "DEMO-1007", "DEMO-1013", "DEMO-1049", "DEMO-1050")
SOLD_BY_THE_CASE = ("DEMO-1001",)
API_LOGIN = "b2bgw"
API_PASSWORD = "b2bgw-test-password"
MODULES = ("sale_price_list", "sale_credit_limit", "account_invoice_stock", "account_payment")


def _activate(modules: tuple[str, ...]) -> None:
    module_model = Model.get("ir.module")
    records = module_model.find([("name", "in", list(modules))])
    module_model.click(records, "activate")
    Wizard("ir.module.activate_upgrade").execute("upgrade")


def _company_and_accounts() -> dict[str, object]:
    from trytond.modules.account.tests.tools import create_chart, create_fiscalyear, get_accounts
    from trytond.modules.account_invoice.tests.tools import create_payment_term, set_fiscalyear_invoice_sequences
    from trytond.modules.company.tests.tools import create_company
    from trytond.modules.currency.tests.tools import get_currency

    party_model = Model.get("party.party")
    seller = party_model(name="B2B Gateway Demo Seller")
    seller.save()
    create_company(party=seller, currency=get_currency("USD"))
    fiscalyear = set_fiscalyear_invoice_sequences(create_fiscalyear())
    fiscalyear.click("create_period")
    create_chart()
    accounts = get_accounts()
    term = create_payment_term()
    term.name = "NET30"
    term.save()

    journal_model = Model.get("account.journal")
    method_model = Model.get("account.invoice.payment.method")
    cash_journal, = journal_model.find([("type", "=", "cash")])
    method = method_model(name="Bank transfer", journal=cash_journal,
                          credit_account=accounts["cash"], debit_account=accounts["cash"])
    method.save()
    return accounts


def _uoms() -> dict[str, object]:
    uom_model = Model.get("product.uom")
    category_model = Model.get("product.uom.category")
    unit, = uom_model.find([("name", "=", "Unit")])
    units_category, = category_model.find([("name", "=", "Units")])
    box = uom_model(name="Box", symbol="box", category=units_category, factor=Decimal(1), rate=Decimal(1),
                    rounding=Decimal(1), digits=0)
    box.save()
    case = uom_model(name="Case of 12", symbol="case", category=units_category, rounding=Decimal(1), digits=0)
    case.factor = 12.0  # its rate follows (on_change_factor)
    case.save()
    return {"EA": unit, "XBX": box, "XCS": case}


def _warehouses() -> dict[str, object]:
    location_model = Model.get("stock.location")
    main, = location_model.find([("code", "=", "WH")])
    main.name, main.code = "Main warehouse", "MAIN"
    main.save()
    storage = location_model(name="East storage", type="storage")
    storage.save()
    input_ = location_model(name="East input", type="storage")
    input_.save()
    output = location_model(name="East output", type="storage")
    output.save()
    east = location_model(name="East warehouse", code="EAST", type="warehouse", storage_location=storage,
                          input_location=input_, output_location=output)
    east.save()
    for child in (storage, input_, output):
        child.parent = east
        child.save()
    return {"MAIN": main, "EAST": east}


def _products(accounts: dict[str, object], uoms: dict[str, object]) -> dict[str, object]:
    category_model = Model.get("product.category")
    template_model = Model.get("product.template")
    accounting = category_model(name="Accounting", accounting=True, account_expense=accounts["expense"],
                                account_revenue=accounts["revenue"])
    accounting.save()
    groups: dict[str, object] = {}
    products: dict[str, object] = {}
    rows = {row["sku"]: row for row in demo_catalog()}
    for sku in SKUS:
        row = rows[sku]
        if row["category"] not in groups:
            group = category_model(name=row["category"])
            group.save()
            groups[row["category"]] = group
        template = template_model(name=row["name"], type="goods", salable=True, default_uom=uoms[row["unit"]],
                                  list_price=Decimal(row["list_price"]), account_category=accounting)
        template.categories.append(category_model(groups[row["category"]].id))
        if sku in SOLD_BY_THE_CASE:
            template.sale_uom = uoms["XCS"]  # sold by the case of 12, counted in units (as the built-in demo)
        template.save()
        product, = template.products
        product.suffix_code = sku  # the product code is the SKU (no template prefix)
        product.cost_price = Decimal(row["list_price"]) / 2
        product.save()
        products[sku] = product
    return products


def _stock(products: dict[str, object], warehouses: dict[str, object]) -> None:
    location_model = Model.get("stock.location")
    move_model = Model.get("stock.move")
    supplier, = location_model.find([("code", "=", "SUP")])
    currency, = Model.get("currency.currency").find([("code", "=", "USD")])
    rows = {row["sku"]: row for row in demo_catalog()}
    moves = []
    for sku, product in products.items():
        for code, column in WAREHOUSES.items():
            quantity = Decimal(rows[sku][column])
            if quantity <= 0:
                continue
            move = move_model(product=product, quantity=float(quantity), unit=product.default_uom,
                              from_location=supplier, to_location=warehouses[code].storage_location,
                              unit_price=product.cost_price, currency=currency, effective_date=dt.date.today())
            move.save()
            moves.append(move)
    move_model.click(moves, "do")


def _customers(products: dict[str, object]) -> None:
    party_model = Model.get("party.party")
    category_model = Model.get("party.category")
    price_list_model = Model.get("product.price_list")
    contract = price_list_model(name="Acme Retail contract", price="list_price")
    contract.lines.new(product=products["DEMO-1001"], quantity=0, formula="Decimal('1.15')")
    contract.lines.new(product=products["DEMO-1001"], quantity=100, formula="Decimal('1.05')")
    contract.lines.new(formula="unit_price * Decimal('0.95')")
    contract.save()
    for customer in DEMO_CUSTOMERS:
        group = category_model(name=customer.group)
        group.save()
        party = party_model(name=customer.name, code=customer.customer_id)
        party.categories.append(category_model(group.id))
        party.credit_limit_amount = customer.credit_limit
        if customer.customer_id == "ACME":
            party.sale_price_list = contract
        party.save()


def _api_user() -> None:
    user_model = Model.get("res.user")
    group_model = Model.get("res.group")
    company_model = Model.get("company.company")
    company, = company_model.find()
    user = user_model(name="B2B gateway", login=API_LOGIN, password=API_PASSWORD)
    for group in group_model.find([]):  # a test database: the gateway user may do what an admin may
        user.groups.append(group)
    user.companies.append(company_model(company.id))
    user.company = company_model(company.id)
    user.save()


def _sale_settings() -> None:
    """Invoice what shipped (the order-to-cash flow partners expect: 856, then 810)."""
    config = Model.get("sale.configuration")(1)
    config.sale_invoice_method = "fulfillment"
    config.save()


def _numbering() -> None:
    """Numbers like a real installation's (``SO-000001``): Tryton's bare ``1`` is too short for X12 BSN02."""
    prefixes = {"Sale": "SO-", "Customer Shipment": "SH-", "Invoice": "INV-"}
    for model in ("ir.sequence", "ir.sequence.strict"):
        for sequence in Model.get(model).find([]):
            prefix = next((p for name, p in prefixes.items() if sequence.name.startswith(name)), None)
            if prefix is None and model == "ir.sequence.strict" and "Account Move" not in sequence.sequence_type.name:
                prefix = prefixes["Invoice"]
            if prefix is not None:
                sequence.prefix, sequence.padding = prefix, 6
                sequence.save()


def main(database: str) -> None:
    """Activate the modules, seed everything, exit."""
    pconfig.set_trytond(database)
    _activate(MODULES)
    pconfig.set_trytond(database)  # the pool again, with the new modules
    accounts = _company_and_accounts()
    uoms = _uoms()
    warehouses = _warehouses()
    products = _products(accounts, uoms)
    _stock(products, warehouses)
    _customers(products)
    _api_user()
    _sale_settings()
    _numbering()


if __name__ == "__main__":
    main(sys.argv[1])
