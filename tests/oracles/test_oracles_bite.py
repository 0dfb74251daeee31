"""Each oracle bites: a public document it accepts, and the same document with one known defect, which it refuses.

A green matrix means something only if every oracle refuses what a partner's validator refuses;
each test takes a corpus document the oracle passes and changes the one thing the defect is.
"""

from __future__ import annotations

import re

from tests.conftest import corpus_path

from .validators import Runner


def _without_payment_means(raw: bytes) -> bytes:
    return re.sub(rb"<cac:PaymentMeans>.*?</cac:PaymentMeans>\s*", b"", raw, count=1, flags=re.S)


def test_peppol_refuses_a_dutch_supplier_without_payment_means(oracles: dict[str, Runner]) -> None:
    base = corpus_path("ubl", "samples", "peppol-invoice", "base-example.xml").read_bytes()
    dutch = base.replace(b"<cbc:IdentificationCode>GB</cbc:IdentificationCode>",
                         b"<cbc:IdentificationCode>NL</cbc:IdentificationCode>", 1)  # the supplier's country
    assert dutch != base and oracles["peppol-bis3"](base) == []
    assert not any(f.startswith("NL-R-007") for f in oracles["peppol-bis3"](dutch))
    assert any(f.startswith("NL-R-007") for f in oracles["peppol-bis3"](_without_payment_means(dutch)))
    assert oracles["peppol-bis3"](_without_payment_means(base)) == []  # a British supplier need not give one


def test_en16931_refuses_an_invoice_without_the_buyers_address(oracles: dict[str, Runner]) -> None:
    base = corpus_path("ubl", "samples", "peppol-invoice", "base-example.xml").read_bytes()
    customer = base.index(b"<cac:AccountingCustomerParty>")
    address = re.compile(rb"<cac:PostalAddress>.*?</cac:PostalAddress>\s*", re.S)
    broken = base[:customer] + address.sub(b"", base[customer:], count=1)
    assert oracles["en16931"](base) == []
    assert any(f.startswith("BR-10") for f in oracles["en16931"](broken))


def test_the_ubl_schema_refuses_an_element_it_does_not_know(oracles: dict[str, Runner]) -> None:
    base = corpus_path("ubl", "samples", "oasis", "UBL-Invoice-2.1-Example.xml").read_bytes()
    broken = base.replace(b"cbc:IssueDate>", b"cbc:IssueDay>", 2)
    assert broken != base and oracles["ubl-xsd"](base) == []
    assert any("IssueDay" in f for f in oracles["ubl-xsd"](broken))


STEDI_855 = ("x12", "stedi", "855-5010-inbound.edi")
LINE_ACK = b"ACK*IA*8*EA~\n"


def _with_line_note(raw: bytes, note_segment: bytes) -> bytes:
    """The 855 with an N9 loop after the first line's ACK holding ``note_segment``, SE01 counted again."""
    assert raw.count(LINE_ACK) == 1 and raw.count(b"SE*17*") == 1
    return raw.replace(LINE_ACK, LINE_ACK + b"N9*L1*ACK1~\n" + note_segment + b"~\n").replace(b"SE*17*", b"SE*19*")


def test_bots_refuses_msg_in_the_line_note_loop_of_a_5010_855(oracles: dict[str, Runner]) -> None:
    raw = corpus_path(*STEDI_855).read_bytes()
    assert oracles["bots"](raw) == []
    assert oracles["bots"](_with_line_note(raw, b"MTX**Backordered until May")) == []  # 004030 on: MTX
    assert any('record:"MSG"' in f for f in oracles["bots"](_with_line_note(raw, b"MSG*Backordered until May")))


def test_pyx12_refuses_a_code_outside_its_list(oracles: dict[str, Runner]) -> None:
    raw = corpus_path(*STEDI_855).read_bytes()
    assert oracles["pyx12"](raw) == []
    assert any("ACK01" in f for f in oracles["pyx12"](raw.replace(b"ACK*IA*8*EA~", b"ACK*Q9*8*EA~", 1)))


def test_the_cxml_dtd_refuses_a_ship_notice_without_its_shipment_id(oracles: dict[str, Runner]) -> None:
    raw = corpus_path("cxml", "samples", "friendsofcxml", "ShipNoticeRequest.xml").read_bytes()
    broken = raw.replace(b' shipmentID="S2-123"', b"", 1)
    assert broken != raw and oracles["cxml-dtd"](raw) == []
    assert any("shipmentID" in f for f in oracles["cxml-dtd"](broken))
