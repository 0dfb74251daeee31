"""Benchmark of the pre-send gate: what checking a document costs beside rendering it.

Run from the project root: ``python bench/presend.py [--rounds 200] [--corpus ../shared/corpus]``.
The documents are real: the PEPPOL BIS Billing sample invoices of the corpus, read into the
canonical model, then rendered as the gateway renders them for three kinds of partner. In one run:

(a) the one-time cost of each validator's files (XSD with its imports, each compiled XSLT), paid by
    the first document that needs it in a process (:mod:`gateway.presend.artefacts`);
(b) per document, median microseconds of rendering it (the baseline) and of the gate's check
    (:func:`gateway.presend.gate.examine`), for a PEPPOL partner (XSD + EN 16931 + PEPPOL), a plain
    UBL partner (XSD + EN 16931) and an X12 004010 partner (the 810 through our implementation map);
(c) the ratios check/render, and the gate's peak memory (RSS) after loading every validator.

It prints one line per partner kind and the ratios; "held" counts the sample invoices the gate would
hold once rendered by us (each one a defect to fix), "of" those the partner's standard can carry.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from formats import ubl
from formats.errors import MappingError
from formats.model import Invoice
from formats.ubl import PEPPOL_BILLING
from formats.x12 import invoice810
from formats.x12.writer import GroupSpec, InterchangeSpec, TransactionSetSpec, render_interchange
from gateway.presend.artefacts import ArtefactPaths, Artefacts
from gateway.presend.gate import examine

PEPPOL = {"ubl_profile": "peppol"}


def median_us(action: Callable[[], object], rounds: int) -> float:
    """Median microseconds of ``action`` over ``rounds`` calls."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1e6)
    return statistics.median(times)


def x12_810(invoice: Invoice) -> bytes:
    """The invoice as a whole 004010 interchange, as the gateway writes it for an X12 partner.

    An N1 carries one identifier; a PEPPOL party has several (endpoint, legal, VAT), so each
    party keeps its first, as an X12 partner's set-up would name one; a UBL reference without an
    X12 qualifier (BuyerReference) is left out, as the 810 writer refuses it by name.
    """
    parties = {role: getattr(invoice, role) for role in ("seller", "buyer", "bill_to", "ship_to", "remit_to")}
    update: dict[str, object] = {role: party.model_copy(update={"ids": party.ids[:1]})
                                 for role, party in parties.items() if party is not None}
    update["references"] = tuple(r for r in invoice.references if len(r.qualifier) <= 3)
    invoice = invoice.model_copy(update=update)
    body = invoice810.render(invoice, version="004010")
    spec = InterchangeSpec(sender_qualifier="ZZ", sender_id="B2BGWSELLER", receiver_qualifier="ZZ",
                           receiver_id="BUYER", control_number=1, timestamp=dt.datetime(2026, 12, 8, 9, 0))
    group = GroupSpec(functional_id="IN", application_sender="B2BGWSELLER", application_receiver="BUYER",
                      control_number=1, version="004010")
    return render_interchange(spec, [(group, [TransactionSetSpec("810", "0001", body)])])


def _writes(render: Callable[[Invoice], bytes], invoice: Invoice) -> bool:
    """True when the partner's standard can carry the invoice (an X12 N1 holds one party identifier)."""
    try:
        render(invoice)
    except MappingError:
        return False
    return True


def measure(render: Callable[[Invoice], bytes], standard: str, settings: dict[str, object], invoices: list[Invoice],
            artefacts: Artefacts, rounds: int) -> tuple[float, float, int, int]:
    """Median µs to render and to check one invoice, how many the gate holds, and how many the standard carries."""
    writable = [invoice for invoice in invoices if _writes(render, invoice)]
    rendered = [render(invoice) for invoice in writable]
    doc_type = "810" if standard == "x12" else "Invoice"

    def check(raw: bytes) -> bool:
        return examine(standard, doc_type, raw, partner_settings=settings, artefacts=artefacts).ok

    each = max(1, rounds // max(1, len(writable)))
    held = sum(not check(raw) for raw in rendered)
    render_us = statistics.median(median_us(lambda i=invoice: render(i), each) for invoice in writable)
    check_us = statistics.median(median_us(lambda raw=raw: check(raw), each) for raw in rendered)
    return render_us, check_us, held, len(writable)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--corpus", default=str(Path(__file__).resolve().parents[1].parent / "shared" / "corpus"))
    args = parser.parse_args()
    corpus = Path(args.corpus)
    paths = ArtefactPaths(ubl_schemas=str(corpus / "ubl" / "xsdrt"),
                          en16931_rules=str(corpus / "ubl" / "rules" / "EN16931-UBL-validation.xslt"),
                          peppol_rules=str(corpus / "ubl" / "rules" / "PEPPOL-EN16931-UBL.xslt"))
    artefacts = Artefacts(paths)

    print("(a) first use, once per process")
    for name, load in (("UBL 2.1 Invoice XSD", lambda: artefacts.xsd("Invoice")),
                       ("EN 16931 XSLT", lambda: artefacts.rules(paths.en16931_rules)),
                       ("PEPPOL BIS 3 XSLT", lambda: artefacts.rules(paths.peppol_rules))):
        started = time.perf_counter()
        load()
        print(f"    {name:<22} {time.perf_counter() - started:8.2f} s")

    invoices = []
    for file in sorted((corpus / "ubl" / "samples" / "peppol-invoice").glob("*.xml")):
        document = ubl.parse(file.read_bytes())
        if isinstance(document, Invoice) and not document.is_credit_note:
            invoices.append(document)
    kinds: list[tuple[str, Callable[[Invoice], bytes], str, dict[str, object]]] = [
        ("UBL, PEPPOL partner", lambda i: ubl.render(i, profile=PEPPOL_BILLING), "ubl", PEPPOL),
        ("UBL, plain partner", lambda i: ubl.render(i), "ubl", {}),
        ("X12 004010 810", x12_810, "x12", {}),
    ]
    print(f"(b) per document, median of {args.rounds} rounds over {len(invoices)} PEPPOL sample invoices (µs)")
    print(f"    {'partner':<22} {'render':>10} {'check':>10} {'check/render':>13} {'held':>5} {'of':>3}")
    for name, render, standard, settings in kinds:
        render_us, check_us, held, count = measure(render, standard, settings, invoices, artefacts, args.rounds)
        print(f"    {name:<22} {render_us:10.0f} {check_us:10.0f} {check_us / render_us:13.1f} {held:5d} {count:3d}")
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(c) peak RSS of this process with every validator loaded: {rss_mb:.0f} MB")


if __name__ == "__main__":
    main()
