"""Benchmark of price resolution: the catalogue index against a naive scan of the lists.

Run from the project root: ``python bench/prices.py [--carts 300] [--pages 40] [--naive 3]``.
It generates in memory a catalogue of 100,000 SKUs in 500 categories (a quarter with three
quantity tiers, cases of 12 or 24), a default list pricing every SKU, 20 group lists derived
from it (global and category discounts, some fixed item prices), 1,000 customer lists derived
from their group's list (item, category and global lines, fixed and derived with a surcharge),
so a price follows a 3-level chain customer -> group -> default; plus 100 expired customer
promotions at a higher priority, which must be passed over. It prints:

(a) the time to build the :class:`~gateway.rules.CatalogueIndex`;
(b) median / p95 time to price a 50-line cart (random customer, quantities, a fifth in cases)
    with :func:`gateway.rules.price_cart`, and a 500-item storefront page (one
    :class:`~gateway.rules.CustomerPricer`, quantity 1 each);
(c) the same with :class:`gateway.rules.reference.ReferencePricer`, which scans assignments and
    list lines per item (items and lists are still found by id), on fewer samples, and checks
    that it gives the same quotes;
then the ratios naive/indexed. With ``--store`` it also writes the catalogue into the pricing
tables of a fresh SQLite database and prints

(d) the time to load the tables into the index (what the pricing service does after a sync that
    changed prices), and median / p95 of a 50-line cart and a 500-item page through
    :class:`gateway.pricing.service.PricingService` (warm: the index is cached; carts in eaches,
    since the tables hold no per-item pack sizes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gateway.rules import (  # noqa: E402
    Assignment,
    CartLine,
    CatalogueIndex,
    Customer,
    CustomerPricer,
    Derived,
    Fixed,
    Item,
    Level,
    PriceLine,
    PriceList,
    Tier,
    UnitConversions,
    price_cart,
)
from gateway.rules.reference import ReferencePricer  # noqa: E402

SKUS = 100_000
CATEGORIES = 500
GROUPS = 20
CUSTOMERS = 1_000
PROMOTIONS = 100
CART_LINES = 50
PAGE_ITEMS = 500
ON = dt.date(2026, 6, 15)


def _cents(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low, high)).scaleb(-2)


def _percent(rng: random.Random, high: int) -> Decimal:
    return Decimal(rng.randint(0, high * 10)).scaleb(-1)


class Catalogue:
    """The generated catalogue: items, lists, assignments, customers and the unit table."""

    def __init__(self, seed: int) -> None:
        rng = random.Random(seed)
        self.items = [Item(f"SKU{n:06d}", "EA", f"CAT{n % CATEGORIES:03d}") for n in range(SKUS)]
        self.conversions = UnitConversions.of(
            {("XCS", "EA"): 12}, by_item={item.sku: {("XCS", "EA"): 24} for item in self.items[::100]}
        )
        self.lists = [self._default_list(rng)]
        self.lists += [self._group_list(rng, group) for group in range(GROUPS)]
        self.lists += [self._customer_list(rng, customer) for customer in range(CUSTOMERS)]
        giveaway = (PriceLine.every_item(Tier(Decimal(0), Fixed(Decimal("0.01")))),)
        self.lists += [PriceList(f"PROMO{n:03d}", "USD", giveaway, valid_from=dt.date(2025, 11, 1),
                                 valid_to=dt.date(2025, 11, 30)) for n in range(PROMOTIONS)]
        self.assignments = [Assignment("LIST", Level.DEFAULT)]
        self.assignments += [Assignment(f"GRP{g:02d}", Level.GROUP, f"G{g:02d}") for g in range(GROUPS)]
        self.assignments += [Assignment(f"CUST{c:04d}", Level.CUSTOMER, f"C{c:04d}") for c in range(CUSTOMERS)]
        self.assignments += [Assignment(f"PROMO{n:03d}", Level.CUSTOMER, f"C{n * 7:04d}", priority=10)
                             for n in range(PROMOTIONS)]
        self.customers = [Customer(f"C{c:04d}", (f"G{c % GROUPS:02d}",)) for c in range(CUSTOMERS)]
        self.line_count = sum(len(price_list.lines) for price_list in self.lists)

    def _default_list(self, rng: random.Random) -> PriceList:
        lines = []
        for number, item in enumerate(self.items):
            price = _cents(rng, 50, 50_000)
            tiers = [Tier(Decimal(0), Fixed(price))]
            if number % 4 == 0:
                tiers += [Tier(Decimal(12), Fixed(price * Decimal("0.95"))),
                          Tier(Decimal(144), Fixed(price * Decimal("0.9")))]
            lines.append(PriceLine.item(item.sku, *tiers))
        return PriceList("LIST", "USD", tuple(lines))

    def _group_list(self, rng: random.Random, group: int) -> PriceList:
        lines = [PriceLine.every_item(Tier(Decimal(0), Derived("LIST", _percent(rng, 15))))]
        for category in rng.sample(range(CATEGORIES), 20):
            lines.append(PriceLine.category(f"CAT{category:03d}", Tier(Decimal(0), Derived("LIST", _percent(rng, 30)))))
        for number in rng.sample(range(SKUS), 50):
            lines.append(PriceLine.item(f"SKU{number:06d}", Tier(Decimal(0), Fixed(_cents(rng, 50, 40_000)))))
        return PriceList(f"GRP{group:02d}", "USD", tuple(lines))

    def _customer_list(self, rng: random.Random, customer: int) -> PriceList:
        base = f"GRP{customer % GROUPS:02d}"
        lines = [PriceLine.every_item(Tier(Decimal(0), Derived(base, _percent(rng, 5))))]
        for category in rng.sample(range(CATEGORIES), 5):
            lines.append(PriceLine.category(f"CAT{category:03d}", Tier(Decimal(0), Derived(base, _percent(rng, 12)))))
        numbers = rng.sample(range(SKUS), 50)
        for number in numbers[:30]:
            lines.append(PriceLine.item(f"SKU{number:06d}", Tier(Decimal(0), Fixed(_cents(rng, 50, 40_000))),
                                        Tier(Decimal(100), Fixed(_cents(rng, 40, 30_000)))))
        for number in numbers[30:]:
            lines.append(PriceLine.item(f"SKU{number:06d}", Tier(Decimal(0), Derived(base, _percent(rng, 20),
                                                                            _cents(rng, 0, 200)))))
        return PriceList(f"CUST{customer:04d}", "USD", tuple(lines))


def _cart(rng: random.Random) -> list[CartLine]:
    lines = []
    for number in rng.sample(range(SKUS), CART_LINES):
        in_cases = rng.random() < 0.2
        lines.append(CartLine(f"SKU{number:06d}", Decimal(rng.randint(1, 20 if in_cases else 300)),
                              "XCS" if in_cases else None))
    return lines


def _page(rng: random.Random) -> list[str]:
    start = rng.randrange(0, SKUS - PAGE_ITEMS)
    return [f"SKU{number:06d}" for number in range(start, start + PAGE_ITEMS)]


def _times(samples: int, setup: Callable[[random.Random], Callable[[], object]], seed: int) -> list[float]:
    rng = random.Random(seed)
    durations = []
    for _ in range(samples):
        run = setup(rng)
        start = time.perf_counter()
        run()
        durations.append(time.perf_counter() - start)
    return durations


def _summary(durations: list[float]) -> tuple[float, float]:
    """Median and p95 in milliseconds (p95 by the inclusive quantile method; the max for tiny samples)."""
    ordered = sorted(durations)
    p95 = statistics.quantiles(ordered, n=20, method="inclusive")[-1] if len(ordered) > 1 else ordered[0]
    return statistics.median(ordered) * 1000, p95 * 1000


def _store_rows(catalogue: Catalogue) -> dict[str, list[dict[str, object]]]:
    """Table name -> rows, as the sync would write them (one row per tier of each line)."""
    from gateway.pricing.convert import rows_of_assignments, rows_of_list

    rows: dict[str, list[dict[str, object]]] = {"gw_price_list": [], "gw_price_line": [], "gw_price_assignment": []}
    for price_list in catalogue.lists:
        header, lines = rows_of_list(price_list, "erp")
        rows["gw_price_list"].append(header.model_dump())
        rows["gw_price_line"] += [line.model_dump(exclude={"id"}) for line in lines]
    rows["gw_price_assignment"] = [row.model_dump(exclude={"id"}) for row in rows_of_assignments(catalogue.assignments)]
    rows["gw_price_item"] = [{"sku": item.sku, "description": "", "base_unit": item.base_unit,
                              "category": item.category} for item in catalogue.items]
    rows["gw_price_customer"] = [{"id": c.id, "name": c.id, "currency": None} for c in catalogue.customers]
    rows["gw_customer_group"] = [{"id": f"G{g:02d}", "name": f"G{g:02d}"} for g in range(GROUPS)]
    rows["gw_customer_group_member"] = [{"group_id": c.groups[0], "customer_id": c.id} for c in catalogue.customers]
    return rows


def store_benchmark(catalogue: Catalogue, carts: int, pages: int, seed: int) -> None:
    """(d): the catalogue through the pricing tables and the pricing service (module docstring)."""
    from sqlmodel import SQLModel

    import gateway.store.registry  # noqa: F401  (every table, for the inserts below)
    from gateway.pricing.service import PricingService
    from gateway.pricing.store import load_catalogue
    from gateway.store.db import make_engine, session, upgrade

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/prices.db"
        upgrade(url)
        engine = make_engine(url)
        started = time.perf_counter()
        with engine.begin() as connection:
            for name, rows in _store_rows(catalogue).items():
                connection.execute(SQLModel.metadata.tables[name].insert(), rows)
        written = time.perf_counter() - started
        started = time.perf_counter()
        with session(engine) as s:
            load_catalogue(s)
        loaded = time.perf_counter() - started
        print(f"(d) tables written in {written:.1f} s; loaded into the index (a reload after a sync): "
              f"{loaded * 1000:8.0f} ms")
        service = PricingService(engine, recheck_seconds=2.0)
        service.catalogue()

        def service_cart(rng: random.Random) -> Callable[[], object]:
            customer = rng.choice(catalogue.customers).id
            lines = [CartLine(line.sku, line.quantity) for line in _cart(rng)]
            return lambda: service.price_cart(customer, lines, ON)

        def service_page(rng: random.Random) -> Callable[[], object]:
            customer, skus = rng.choice(catalogue.customers).id, _page(rng)

            def run() -> object:
                pricer = service.pricer(customer, ON)
                return [pricer.price(sku, 1) for sku in skus]

            return run

        cart_ms = _summary(_times(carts, service_cart, seed))
        page_ms = _summary(_times(pages, service_page, seed))
        print(f"    {CART_LINES}-line cart, pricing service:   median {cart_ms[0]:8.2f} ms   p95 {cart_ms[1]:8.2f} ms "
              f"({carts} carts)")
        print(f"    {PAGE_ITEMS}-item page, pricing service:  median {page_ms[0]:8.2f} ms   p95 {page_ms[1]:8.2f} ms "
              f"({pages} pages)")
        engine.dispose()


def main(argv: list[str] | None = None) -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--carts", type=int, default=300, help="indexed cart samples (default 300)")
    options.add_argument("--pages", type=int, default=40, help="indexed storefront page samples (default 40)")
    options.add_argument("--naive", type=int, default=3, help="naive samples of each kind (default 3)")
    options.add_argument("--seed", type=int, default=2026)
    options.add_argument("--store", action="store_true", help="also through the pricing tables and service (d)")
    args = options.parse_args(argv)

    started = time.perf_counter()
    catalogue = Catalogue(args.seed)
    generated = time.perf_counter() - started
    print(f"input: {SKUS:,} SKUs, {len(catalogue.lists):,} price lists ({CUSTOMERS:,} customer, {GROUPS} group, "
          f"1 default, {PROMOTIONS} expired promotions), {catalogue.line_count:,} lines, "
          f"{len(catalogue.assignments):,} assignments; generated in {generated:.1f} s")
    started = time.perf_counter()
    index = CatalogueIndex.build(catalogue.lists, catalogue.assignments, catalogue.items, catalogue.conversions)
    print(f"(a) index build:                     {(time.perf_counter() - started) * 1000:9.0f} ms")

    def indexed_cart(rng: random.Random) -> Callable[[], object]:
        customer, lines = rng.choice(catalogue.customers), _cart(rng)
        return lambda: price_cart(index, customer, lines, on=ON)

    def indexed_page(rng: random.Random) -> Callable[[], object]:
        customer, skus = rng.choice(catalogue.customers), _page(rng)

        def run() -> object:
            pricer = CustomerPricer(index, customer, ON)
            return [pricer.price(sku, 1) for sku in skus]

        return run

    items = {item.sku: item for item in catalogue.items}

    def reference(customer: Customer) -> ReferencePricer:
        return ReferencePricer(catalogue.lists, catalogue.assignments, items, catalogue.conversions, customer, ON)

    def naive_cart(rng: random.Random) -> Callable[[], object]:
        customer, lines = rng.choice(catalogue.customers), _cart(rng)
        pricer = reference(customer)  # its own list checks are not timed: the index's build is not either
        return lambda: pricer.price_cart(lines)

    def naive_page(rng: random.Random) -> Callable[[], object]:
        customer, skus = rng.choice(catalogue.customers), _page(rng)
        pricer = reference(customer)
        return lambda: [pricer.price(sku, 1) for sku in skus]

    cart_ms = _summary(_times(args.carts, indexed_cart, args.seed))
    page_ms = _summary(_times(args.pages, indexed_page, args.seed))
    print(f"(b) {CART_LINES}-line cart, indexed:            median {cart_ms[0]:8.2f} ms   p95 {cart_ms[1]:8.2f} ms "
          f"({args.carts} carts)")
    print(f"    {PAGE_ITEMS}-item page, indexed:           median {page_ms[0]:8.2f} ms   p95 {page_ms[1]:8.2f} ms "
          f"({args.pages} pages)")
    naive_cart_ms = _summary(_times(args.naive, naive_cart, args.seed))
    naive_page_ms = _summary(_times(args.naive, naive_page, args.seed))
    print(f"(c) {CART_LINES}-line cart, naive scan:         median {naive_cart_ms[0]:8.1f} ms   "
          f"p95 {naive_cart_ms[1]:8.1f} ms ({args.naive} carts)")
    print(f"    {PAGE_ITEMS}-item page, naive scan:        median {naive_page_ms[0]:8.1f} ms   "
          f"p95 {naive_page_ms[1]:8.1f} ms ({args.naive} pages)")

    check = random.Random(args.seed)
    customer, lines = check.choice(catalogue.customers), _cart(check)
    same = price_cart(index, customer, lines, on=ON) == reference(customer).price_cart(lines)
    print(f"    same quotes from both on a cart:  {same}")
    print(f"ratio cart  naive/indexed (median):   {naive_cart_ms[0] / cart_ms[0]:8.0f}x")
    print(f"ratio page  naive/indexed (median):   {naive_page_ms[0] / page_ms[0]:8.0f}x")
    if args.store:
        store_benchmark(catalogue, args.carts, args.pages, args.seed)
    if not same:
        sys.exit("the indexed and naive quotes differ")


if __name__ == "__main__":
    main()
