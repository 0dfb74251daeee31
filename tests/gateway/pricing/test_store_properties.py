"""Property: random catalogues survive the tables and a CSV round trip, and price the same from them."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from sqlmodel import delete

from gateway.pricing.csv_io import export_price_lists, import_price_lists
from gateway.pricing.store import (
    GENERAL_CONVERSIONS,
    load_catalogue,
    put_customers,
    put_items,
    replace_groups,
    replace_list,
    stored_list,
)
from gateway.pricing.tables import (
    CustomerGroupMemberRow,
    CustomerGroupRow,
    PriceAssignmentRow,
    PriceCustomerRow,
    PriceItemRow,
    PriceLineRow,
    PriceListRow,
)
from gateway.rules import CatalogueIndex, CustomerPricer, PriceQuote, PricingError
from gateway.services import Services
from gateway.store.db import session
from tests.rules.strategies import ITEMS, Case, cases

PRICING_TABLES = (PriceLineRow, PriceAssignmentRow, PriceListRow, CustomerGroupMemberRow, CustomerGroupRow,
                  PriceCustomerRow, PriceItemRow)


def _outcome(pricer: CustomerPricer, case: Case) -> PriceQuote | tuple[str, str]:
    try:
        return pricer.price(case.sku, case.quantity)
    except PricingError as exc:
        return type(exc).__name__, str(exc)


def _store(services: Services, case: Case) -> None:
    with session(services.engine) as s:
        for table in PRICING_TABLES:
            s.exec(delete(table))
        for price_list in case.lists:
            replace_list(s, price_list, [a for a in case.assignments if a.list_id == price_list.id], source="erp")
        put_items(s, {item.sku: ("", item.base_unit, item.category) for item in ITEMS})
        put_customers(s, {"C0": ("C0", None), "C1": ("C1", None)})
        replace_groups(s, {group: (group, [case.customer.id]) for group in case.customer.groups})
        s.commit()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases())
def test_the_tables_keep_every_list_and_price_like_the_lists_themselves(services: Services, case: Case) -> None:
    _store(services, case)
    with session(services.engine) as s:
        for price_list in case.lists:
            found = stored_list(s, price_list.id)
            assert found is not None
            assert replace_list(s, found[0], found[1], source="erp") is False  # what was read is what was written
        loaded = load_catalogue(s)
    expected = CatalogueIndex.build(case.lists, case.assignments, ITEMS, GENERAL_CONVERSIONS)
    assert loaded.customers[case.customer.id].groups == tuple(sorted(case.customer.groups))
    assert _outcome(CustomerPricer(loaded.index, loaded.customers[case.customer.id], case.on), case) == \
        _outcome(CustomerPricer(expected, case.customer, case.on), case)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases())
def test_an_exported_file_imports_back_to_the_same_lists(services: Services, case: Case) -> None:
    _store(services, case)
    out = io.StringIO()
    assert export_price_lists(services.engine, out) == len(case.lists)
    with session(services.engine) as s:
        s.exec(delete(PriceLineRow))
        s.exec(delete(PriceAssignmentRow))
        s.exec(delete(PriceListRow))
        s.commit()
    result = import_price_lists(services.engine, io.StringIO(out.getvalue()))
    assert result.applied, [str(p) for p in result.problems]
    with session(services.engine) as s:
        for price_list in case.lists:
            found = stored_list(s, price_list.id)
            assert found is not None
            assigned = [a for a in case.assignments if a.list_id == price_list.id]
            assert replace_list(s, price_list, assigned, source="csv") is False
