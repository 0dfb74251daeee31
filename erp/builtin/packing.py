"""Packing a shipment into cartons, each labelled with an SSCC (GS1 Serial Shipping Container Code).

An SSCC-18 names one logistic unit (a carton, a pallet) for its whole journey; ship notices (X12
856 MAN*GM, UBL DespatchAdvice, cXML ShipNoticePortion packaging) carry it so the buyer can scan
the label on arrival. Its 18 digits are an extension digit chosen by the shipper, the shipper's
GS1 company prefix, a serial reference filling up to 17 digits, and the GS1 mod-10 check digit.

More information:

* GS1 General Specifications, 2.2.1 (SSCC) and 7.9.1 (check digit calculation)
* https://www.gs1.org/standards/id-keys/sscc

>>> sscc("0614141", 123456789, extension="1")
'106141411234567897'
>>> gs1_check_digit("10614141123456789")
'7'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from erp.port import ErpRejected

ZERO = Decimal(0)
SSCC_BODY_DIGITS = 17  # without the check digit


def gs1_check_digit(digits: str) -> str:
    """The GS1 mod-10 check digit of ``digits``: weights 3, 1, 3 ... from the rightmost digit."""
    if not digits.isdigit():
        raise ValueError(f"not a string of digits: {digits!r}")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str(-total % 10)


def sscc(prefix: str, serial: int, *, extension: str = "0") -> str:
    """The SSCC-18 of serial reference ``serial`` under GS1 company prefix ``prefix``.

    ValueError when the prefix is not 4 to 12 digits, the extension not one digit, or the serial
    does not fit in the digits the prefix leaves.
    """
    if not (prefix.isdigit() and 4 <= len(prefix) <= 12):
        raise ValueError(f"GS1 company prefix {prefix!r} is not 4 to 12 digits")
    if not (extension.isdigit() and len(extension) == 1):
        raise ValueError(f"SSCC extension digit {extension!r} is not one digit")
    width = SSCC_BODY_DIGITS - 1 - len(prefix)
    if not 0 <= serial < 10**width:
        raise ValueError(f"serial reference {serial} does not fit in {width} digits after prefix {prefix}")
    body = f"{extension}{prefix}{serial:0{width}d}"
    return body + gs1_check_digit(body)


def is_valid_sscc(code: str) -> bool:
    """Whether ``code`` is 18 digits with a correct check digit."""
    return len(code) == SSCC_BODY_DIGITS + 1 and code.isdigit() and gs1_check_digit(code[:-1]) == code[-1]


@dataclass(frozen=True)
class Shippable:
    """What one order line (``position``; the buyer's ``line_number``) ships."""

    position: int
    line_number: str
    quantity: Decimal


Packed = dict[int, Decimal]
"""Quantity per order line position in one carton (or left unpacked)."""


def _carton_quantity(carton_no: int, line_number: str, quantity: object) -> Decimal:
    if isinstance(quantity, bool) or not isinstance(quantity, Decimal | int):
        raise ErpRejected(f"carton {carton_no}: quantity {quantity!r} of line {line_number} is not a decimal")
    value = Decimal(quantity)
    if not value.is_finite() or value <= ZERO:
        raise ErpRejected(f"carton {carton_no}: quantity {quantity} of line {line_number} is not positive")
    return value


def _check_totals(lines: Sequence[Shippable], cartons: Sequence[Mapping[str, Decimal]]) -> None:
    """Refuse cartons naming lines the order does not ship, or holding more than it ships."""
    shipping: dict[str, Decimal] = {}
    for line in lines:
        shipping[line.line_number] = shipping.get(line.line_number, ZERO) + line.quantity
    packed: dict[str, Decimal] = {}
    for carton_no, carton in enumerate(cartons, start=1):
        if not carton:
            raise ErpRejected(f"carton {carton_no} is empty")
        for line_number, quantity in carton.items():
            if line_number not in shipping:
                raise ErpRejected(f"carton {carton_no}: the order has no line {line_number!r}")
            packed[line_number] = packed.get(line_number, ZERO) + _carton_quantity(carton_no, line_number, quantity)
    for line_number, quantity in packed.items():
        if quantity > shipping[line_number]:
            raise ErpRejected(f"cartons hold {quantity} of line {line_number}, "
                              f"but only {shipping[line_number]} were accepted to ship")


def pack(lines: Sequence[Shippable], cartons: Sequence[Mapping[str, Decimal]] | None) -> tuple[list[Packed], Packed]:
    """Which quantities of which lines go in each carton, and what is shipped unpacked.

    ``cartons`` maps buyer line numbers to quantities; None packs everything in one carton. A
    line number used by several lines fills them in order. ErpRejected for an empty list or
    carton, a line the order does not ship, a quantity that is not positive, or more of a line
    than it ships.
    """
    shipped = [line for line in lines if line.quantity > ZERO]
    if cartons is None:
        return [{line.position: line.quantity for line in shipped}], {}
    if not cartons:
        raise ErpRejected("no cartons given; leave the cartons out to ship in one carton")
    _check_totals(lines, cartons)
    left = {line.position: line.quantity for line in shipped}
    packed: list[Packed] = []
    for carton in cartons:
        contents: Packed = {}
        for line_number, quantity in carton.items():
            wanted = Decimal(quantity)
            for line in (s for s in shipped if s.line_number == line_number):
                take = min(wanted, left[line.position])
                if take > ZERO:
                    contents[line.position] = contents.get(line.position, ZERO) + take
                    left[line.position] -= take
                    wanted -= take
        packed.append(contents)
    return packed, {position: quantity for position, quantity in left.items() if quantity > ZERO}


__all__ = ["Packed", "Shippable", "gs1_check_digit", "is_valid_sscc", "pack", "sscc"]
