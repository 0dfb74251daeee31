"""Benchmark: reading cXML and UBL is linear in an element's attributes and children, or is it not.

Run from the project root: ``python bench/xml_attributes.py [--n 5000] [--repeat 3]``. For each
shape it builds a real corpus document with ``N`` and with ``4N`` of one repeated thing (the
attributes of the cXML root, of an OrderRequestHeader, of a UBL Quantity; the Extrinsics of a
PunchOutSetupRequest, the ItemOut lines of an OrderRequest, the lines and the unknown leaves of
a UBL Order), reads each with the gateway's readers, and prints the CPU time of each and the
ratio of the extra time, ``(t(4N) - t0) / (t(N) - t0)``, where ``t0`` is the time to read the
corpus document itself, measured in the same run: about 4 when reading is linear, about 16 when
it is quadratic. A line ``lxml items()`` measures what the readers used to do (lxml's own
``items()``, quadratic) for comparison.

The attribute cap of the hardened parser (``formats.xml.MAX_ATTRIBUTES``) would refuse these
documents before they are read, as ``/cxml`` does; the benchmark lifts it (``max_attributes``)
to measure the reading itself. Its last lines time that cap's check on a large UBL order, whose
many ``=`` make the parser look for a crowded element. Figures are recorded in bench/README.md.
"""

from __future__ import annotations

import argparse
import gc
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from formats.cxml import envelope, order_request, punchout  # noqa: E402  (found through the path set just above)
from formats.ubl import order as ubl_order  # noqa: E402
from formats.xml import parse_xml  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
NO_CAP = 10**9


def _sample(*parts: str) -> bytes:
    return CORPUS.joinpath(*parts).read_bytes()


def attributes(count: int) -> bytes:
    """``count`` distinct attributes."""
    return b" ".join(b'a%d="v%d"' % (i, i) for i in range(count))


def read_setup(raw: bytes) -> object:
    """What ``/cxml`` reads of a setup: the root, the envelope, the PunchOutSetupRequest."""
    root = envelope.cxml_root(parse_xml(raw, max_attributes=NO_CAP))
    envelope.parse(root)
    return punchout.parse_setup_request(root)


def read_order(raw: bytes) -> object:
    """A cXML OrderRequest read whole."""
    return order_request.parse(parse_xml(raw, max_attributes=NO_CAP))


def read_ubl(raw: bytes) -> object:
    """A UBL Order read whole (the unread leaves kept as extensions)."""
    return ubl_order.parse(parse_xml(raw, max_attributes=NO_CAP))


def lxml_items(raw: bytes) -> object:
    """Every element's ``items()``, lxml's own: what reading attributes cost before (quadratic)."""
    return [element.items() for element in parse_xml(raw, max_attributes=NO_CAP).iter()]


@dataclass(frozen=True)
class Shape:
    """One thing repeated in one document, and the reader that reads it."""

    name: str
    scale: float  # of --n: lines of an order cost far more than an attribute
    build: Callable[[bytes, int], bytes]
    read: Callable[[bytes], object]
    sample: tuple[str, ...]


SETUP = ("cxml", "samples", "officeluv", "punch_out_setup_request_doc.xml")
ORDER = ("cxml", "samples", "officeluv", "order_request.xml")
UBL = ("ubl", "samples", "peppol-poacc", "Order_use_cases_UC3_Order.xml")


def _repeat(pattern: bytes) -> Callable[[bytes, int], bytes]:
    def build(raw: bytes, count: int) -> bytes:
        found = re.search(pattern, raw, re.S)
        assert found is not None, pattern
        return raw.replace(found.group(0), found.group(0) * (count + 1), 1)
    return build


def _before(anchor: bytes, element: bytes) -> Callable[[bytes, int], bytes]:
    return lambda raw, count: raw.replace(anchor, element * count + anchor, 1)


SHAPES = (
    Shape("cXML root attributes", 1, lambda raw, n: raw.replace(b"<cXML ", b"<cXML " + attributes(n) + b" ", 1),
          read_setup, SETUP),
    Shape("OrderRequestHeader attributes", 1,
          lambda raw, n: raw.replace(b'type="new"', b'type="new" ' + attributes(n), 1), read_order, ORDER),
    Shape("UBL Quantity attributes", 1,
          lambda raw, n: raw.replace(b'<cbc:Quantity unitCode="DAY"', b"<cbc:Quantity " + attributes(n)
                                     + b' unitCode="DAY"', 1), read_ubl, UBL),
    Shape("lxml items() (the old way)", 0.5,
          lambda raw, n: raw.replace(b"<cXML ", b"<cXML " + attributes(n) + b" ", 1), lxml_items, SETUP),
    Shape("setup Extrinsic children", 1,
          _before(b"<BrowserFormPost>", b'<Extrinsic name="x">v</Extrinsic>'), read_setup, SETUP),
    Shape("setup unknown children", 4, _before(b"<BrowserFormPost>", b"<Junk/>"), read_setup, SETUP),
    Shape("OrderRequest ItemOut lines", 0.3, _repeat(rb"<ItemOut .*?</ItemOut>"), read_order, ORDER),
    Shape("UBL OrderLine lines", 0.2, _repeat(rb"<cac:OrderLine>.*?</cac:OrderLine>"), read_ubl, UBL),
    Shape("UBL unknown leaves (kept)", 1, _before(b"<cac:OrderLine>", b"<cbc:Junk>n</cbc:Junk>"), read_ubl, UBL),
)


def cpu(read: Callable[[bytes], object], raw: bytes, repeat: int) -> float:
    """The best CPU time of ``repeat`` reads of ``raw``, the garbage collector held off while reading.

    A full collection's cost grows with the objects alive, which a bigger document multiplies:
    left on, it adds its own growth to the reader's and blurs the ratio this benchmark is about.
    """
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            started = time.process_time()
            read(raw)
            best = min(best, time.process_time() - started)
        finally:
            gc.enable()
    return best


def main() -> None:
    """Print each shape's times at N and 4N and the ratio of their extra time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5_000, help="N for a scale of 1 (attributes)")
    parser.add_argument("--repeat", type=int, default=3, help="reads of each document (the best counts)")
    args = parser.parse_args()
    print(f"{'shape':32} {'N':>8} {'t0 ms':>8} {'t(N) ms':>9} {'t(4N) ms':>9} {'ratio':>6}")
    for shape in SHAPES:
        raw = _sample(*shape.sample)
        n = max(1, int(args.n * shape.scale))
        base = cpu(shape.read, raw, args.repeat)
        small = cpu(shape.read, shape.build(raw, n), args.repeat)
        large = cpu(shape.read, shape.build(raw, 4 * n), args.repeat)
        ratio = (large - base) / max(small - base, 1e-9)
        verdict = "linear" if ratio < 6 else "QUADRATIC" if ratio > 10 else "?"
        print(f"{shape.name:32} {n:>8,} {base * 1e3:8.2f} {small * 1e3:9.1f} {large * 1e3:9.1f} {ratio:6.1f}  "
              f"{verdict}")
    order = _repeat(rb"<cac:OrderLine>.*?</cac:OrderLine>")(_sample(*UBL), 4_000)
    with_cap = cpu(lambda raw: parse_xml(raw), order, args.repeat * 3)
    without = cpu(lambda raw: parse_xml(raw, max_attributes=NO_CAP), order, args.repeat * 3)
    print(f"attribute cap check on a {len(order) / 1e6:.1f} MB UBL order ({order.count(b'='):,} '='): "
          f"parse {without * 1e3:.1f} ms, with the check {with_cap * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
