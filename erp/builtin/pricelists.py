"""The built-in ERP's price lists: tables, the port's reads, the seller's writes, and the demo lists.

A price list is kept as the ERP keeps it: a header (``erp_price_list``), one row per tier of a
line (``erp_price_line``) and its assignments (``erp_price_assignment``). Every write replaces a
list whole and stamps ``updated_at``, so :meth:`BuiltinErp.get_price_lists(since=...)
<erp.builtin.adapter.BuiltinErp.get_price_lists>` only has to compare one column. A withdrawn
list stays as a row with ``active`` False: an incremental reader must hear that it is gone.

The demo lists (``demo_pricelists.json``) give the three demo customers differing contracts:
ACME a dated contract with item prices, a tier and a category discount; GLOBEX a list derived
from the wholesale group list, itself derived from the default LIST (three levels); INITECH a
safety contract and an expired promotion; ``wholesale`` one group list; LIST the default, with
an item line per catalog SKU at its list price and quantity tiers on a few.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from importlib.resources import files
from typing import Any

from sqlalchemy import Column, Date, DateTime, Engine, String, UniqueConstraint
from sqlalchemy import ForeignKey as SaForeignKey
from sqlmodel import Field, Session, SQLModel, col, delete, select

from erp.builtin.store import Clock, unavailable_on_db_errors, utc_now, write_session
from erp.builtin.tables import ErpCustomer, ErpProduct
from erp.columns import decimal_field
from erp.port import CustomerGroup, ErpPriceAssignment, ErpPriceLine, ErpPriceList, ErpPriceTier, ErpRejected

DEMO_PRICELISTS_FILE = "demo_pricelists.json"


def _date() -> Any:
    return Field(default=None, sa_column=Column(Date, nullable=True))


class ErpPriceListRow(SQLModel, table=True):
    """A price list header; ``updated_at`` moves whenever anything of the list changes."""

    __tablename__ = "erp_price_list"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(default="", max_length=200)
    currency: str = Field(max_length=3)
    valid_from: dt.date | None = _date()
    valid_to: dt.date | None = _date()
    active: bool = True
    updated_at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))


class ErpPriceLineRow(SQLModel, table=True):
    """One tier of one line; the line is the rows sharing (list, scope, key); key '' for a global line."""

    __tablename__ = "erp_price_line"
    __table_args__ = (UniqueConstraint("list_id", "scope", "key", "min_quantity", name="uq_erp_price_line_tier"),)

    id: int | None = Field(default=None, primary_key=True)
    list_id: str = Field(sa_column=Column(String(64), SaForeignKey("erp_price_list.id"), nullable=False, index=True))
    scope: str = Field(max_length=16)
    key: str = Field(default="", max_length=100)
    min_quantity: Decimal = decimal_field()
    unit_price: Decimal | None = decimal_field(nullable=True)
    base_list: str | None = Field(default=None, max_length=64)
    discount_percent: Decimal = decimal_field()
    surcharge: Decimal = decimal_field()


class ErpPriceAssignmentRow(SQLModel, table=True):
    """A list assigned to a customer, a group or as the default (target '' then)."""

    __tablename__ = "erp_price_assignment"

    id: int | None = Field(default=None, primary_key=True)
    list_id: str = Field(sa_column=Column(String(64), SaForeignKey("erp_price_list.id"), nullable=False, index=True))
    level: str = Field(max_length=16)
    target: str = Field(default="", max_length=64)
    priority: int = 0
    valid_from: dt.date | None = _date()
    valid_to: dt.date | None = _date()


def save_price_list(session: Session, price_list: ErpPriceList) -> None:
    """Write ``price_list`` whole (header, lines, assignments), replacing what the ERP had; caller commits."""
    header = session.get(ErpPriceListRow, price_list.list_id) or ErpPriceListRow(
        id=price_list.list_id, currency=price_list.currency, updated_at=price_list.updated_at)
    header.name = price_list.name
    header.currency = price_list.currency
    header.valid_from, header.valid_to = price_list.valid_from, price_list.valid_to
    header.active = price_list.active
    header.updated_at = price_list.updated_at
    session.add(header)
    session.exec(delete(ErpPriceLineRow).where(col(ErpPriceLineRow.list_id) == price_list.list_id))
    session.exec(delete(ErpPriceAssignmentRow).where(col(ErpPriceAssignmentRow.list_id) == price_list.list_id))
    session.flush()
    for line in price_list.lines:
        for tier in line.tiers:
            session.add(ErpPriceLineRow(list_id=price_list.list_id, scope=line.scope, key=line.key or "",
                                        min_quantity=tier.min_quantity, unit_price=tier.unit_price,
                                        base_list=tier.base_list, discount_percent=tier.discount_percent,
                                        surcharge=tier.surcharge))
    for assignment in price_list.assignments:
        session.add(ErpPriceAssignmentRow(list_id=price_list.list_id, level=assignment.level,
                                          target=assignment.target or "", priority=assignment.priority,
                                          valid_from=assignment.valid_from, valid_to=assignment.valid_to))


def read_price_lists(session: Session, since: dt.datetime | None) -> list[ErpPriceList]:
    """Lists whose ``updated_at`` is at or after ``since`` (all when None), with lines and assignments."""
    query = select(ErpPriceListRow).order_by(col(ErpPriceListRow.id))
    if since is not None:
        query = query.where(col(ErpPriceListRow.updated_at) >= since)
    headers = list(session.exec(query).all())
    if not headers:
        return []
    ids = [header.id for header in headers]
    tiers: dict[tuple[str, str, str], list[ErpPriceTier]] = defaultdict(list)
    for row in session.exec(select(ErpPriceLineRow).where(col(ErpPriceLineRow.list_id).in_(ids))
                            .order_by(col(ErpPriceLineRow.id))).all():
        tiers[(row.list_id, row.scope, row.key)].append(ErpPriceTier(
            min_quantity=row.min_quantity, unit_price=row.unit_price, base_list=row.base_list,
            discount_percent=row.discount_percent, surcharge=row.surcharge))
    lines: dict[str, list[ErpPriceLine]] = defaultdict(list)
    for (list_id, scope, key), found in tiers.items():
        lines[list_id].append(ErpPriceLine(scope=scope, key=key or None, tiers=tuple(found)))
    assignments: dict[str, list[ErpPriceAssignment]] = defaultdict(list)
    for row in session.exec(select(ErpPriceAssignmentRow).where(col(ErpPriceAssignmentRow.list_id).in_(ids))
                            .order_by(col(ErpPriceAssignmentRow.id))).all():
        assignments[row.list_id].append(ErpPriceAssignment(level=row.level, target=row.target or None,
                                                           priority=row.priority, valid_from=row.valid_from,
                                                           valid_to=row.valid_to))
    return [ErpPriceList(list_id=h.id, name=h.name, currency=h.currency, valid_from=h.valid_from,
                         valid_to=h.valid_to, active=h.active, updated_at=h.updated_at,
                         lines=tuple(lines[h.id]), assignments=tuple(assignments[h.id])) for h in headers]


def read_customer_groups(session: Session) -> list[CustomerGroup]:
    """The groups named on customer accounts (``erp_customer.group``), each with its members."""
    members: dict[str, list[str]] = defaultdict(list)
    for row in session.exec(select(ErpCustomer).order_by(col(ErpCustomer.id))).all():
        if row.group:
            members[row.group].append(row.id)
    return [CustomerGroup(group_id=group, name=group, members=tuple(ids)) for group, ids in sorted(members.items())]


def demo_price_lists(catalog: Iterable[dict[str, str]], at: dt.datetime) -> list[ErpPriceList]:
    """The demo lists of ``demo_pricelists.json``; LIST gets an item line per catalog SKU not already priced."""
    data = json.loads(files("erp.builtin").joinpath(DEMO_PRICELISTS_FILE).read_text(encoding="utf-8"))
    lists = [ErpPriceList.model_validate({**entry, "updated_at": at}) for entry in data["lists"]]
    default = next(price_list for price_list in lists if price_list.list_id == "LIST")
    priced = {line.key for line in default.lines if line.scope == "item"}
    generated = tuple(ErpPriceLine(scope="item", key=row["sku"],
                                   tiers=(ErpPriceTier(unit_price=Decimal(row["list_price"])),))
                      for row in catalog if row["sku"] not in priced)
    return [price_list.model_copy(update={"lines": price_list.lines + generated})
            if price_list is default else price_list for price_list in lists]


def put_price_list(engine: Engine, price_list: ErpPriceList, *, clock: Clock = utc_now) -> ErpPriceList:
    """The seller changes a list (or makes a new one): written whole, stamped now; the list as stored."""
    stamped = price_list.model_copy(update={"updated_at": clock()})
    with unavailable_on_db_errors(f"writing price list {price_list.list_id}"), write_session(engine) as s:
        save_price_list(s, stamped)
        s.commit()
    return stamped


def withdraw_price_list(engine: Engine, list_id: str, *, clock: Clock = utc_now) -> None:
    """The seller withdraws a list: kept as inactive so an incremental reader hears it is gone."""
    with unavailable_on_db_errors(f"withdrawing price list {list_id}"), write_session(engine) as s:
        header = s.get(ErpPriceListRow, list_id)
        if header is None:
            raise ErpRejected(f"unknown price list {list_id!r}")
        header.active = False
        header.updated_at = clock()
        s.add(header)
        s.commit()


def seed_demo_price_lists(session: Session, catalog: Sequence[dict[str, str]], at: dt.datetime) -> None:
    """Add the demo lists that are missing (idempotent: existing lists are left as they are)."""
    existing = set(session.exec(select(ErpPriceListRow.id)).all())
    known = set(session.exec(select(ErpProduct.sku)).all())
    for price_list in demo_price_lists((row for row in catalog if row["sku"] in known), at):
        if price_list.list_id not in existing:
            save_price_list(session, price_list)


__all__ = [
    "ErpPriceAssignmentRow",
    "ErpPriceLineRow",
    "ErpPriceListRow",
    "demo_price_lists",
    "put_price_list",
    "read_customer_groups",
    "read_price_lists",
    "save_price_list",
    "seed_demo_price_lists",
    "withdraw_price_list",
]
