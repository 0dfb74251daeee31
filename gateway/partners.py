"""Trading partners: their X12 identity and the per-partner options the pipeline reads.

Per-partner settings live in ``Partner.settings`` (JSON) so that later options do not need a
migration each; this module is the one place that reads them, with their defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from sqlmodel import Session

from formats.codes.units import UnitMap
from formats.errors import FormatError, MappingError
from formats.model import ItemId, ItemIdKind, Order
from formats.x12.envelope import Delimiters, TransactionSet
from formats.x12.reader import interchange_delimiters, read_interchanges
from gateway.store.control_numbers import ControlKind
from gateway.store.tables import ControlCounter, Document, Partner

X12_VERSIONS = {"004010": "00401", "005010": "00501"}


def sender_key(qualifier: str, identifier: str) -> str:
    """How an X12 sender is written in the document table: ``ISA05:ISA06``."""
    return f"{qualifier.strip()}:{identifier.strip()}"


def matches_sender(partner: Partner, qualifier: str, identifier: str, *, ours: bool = False) -> bool:
    """Whether ISA05/ISA06 is this partner's identity (or, ``ours``, ISA07/08 is ours for it).

    Case and blanks are ignored: partners pad and capitalise inconsistently.
    """
    expected = (partner.our_x12_qualifier, partner.our_x12_id) if ours else (partner.x12_qualifier, partner.x12_id)
    return (expected[0].strip().upper() == qualifier.strip().upper()
            and expected[1].strip().upper() == identifier.strip().upper())


def unit_map(partner: Partner) -> UnitMap:
    """The partner's unit-of-measure mapping: the X12 355 table plus its overrides."""
    overrides = partner.settings.get("unit_overrides") or {}
    return UnitMap.default_x12().with_overrides(dict(overrides)) if overrides else UnitMap.default_x12()


def outbound_delimiters(partner: Partner, inbound: Delimiters | None = None) -> Delimiters:
    """The delimiters we write to this partner: its settings, else those it used, else ours."""
    configured = partner.settings.get("delimiters")
    if configured:
        return Delimiters(
            element=configured.get("element", "*"), component=configured.get("component", ">"),
            segment=configured.get("segment", "~"), repetition=configured.get("repetition", "^"),
            segment_suffix=configured.get("segment_suffix", "\n"),
        )
    if inbound is not None:
        repetition = inbound.repetition or ("^" if "^" not in (inbound.element, inbound.component,
                                                                inbound.segment) else "{")
        suffix = "" if inbound.segment in "\r\n" else "\n"
        return Delimiters(element=inbound.element, component=inbound.component, segment=inbound.segment,
                          repetition=repetition, segment_suffix=suffix)
    return Delimiters(repetition="^", segment_suffix="\n")


def _answered_order(s: Session, document_id: int | None) -> Document | None:
    """The stored inbound X12 document ``document_id`` (the order an answer answers), else None."""
    order = s.get(Document, document_id) if document_id is not None else None
    return order if order is not None and order.standard == "x12" and order.direction == "in" else None


def answered_delimiters(s: Session, partner: Partner, document_id: int | None) -> Delimiters | None:
    """The delimiters of the X12 interchange the stored document ``document_id`` came in, else None.

    What :func:`outbound_delimiters` is given when the answer to an order is written after the
    order was read (a ship notice, an invoice, a refusal an operator decides): the stored order
    keeps its ISA, which says them. None for a document that is not X12 or cannot be read.
    """
    order = _answered_order(s, document_id)
    if order is None:
        return None
    try:
        return interchange_delimiters(order.raw, partner.settings.get("charset"))
    except FormatError:
        return None


UNIT_ELEMENTS = {"PO1": 3, "PO3": 3, "SLN": 5, "IT1": 3, "SN1": 3, "QTY": 3}
"""Where an order's sets put a unit of measure (X12 355), as segment -> element position."""


def agreed_unit_codes(s: Session, partner: Partner, document_id: int | None) -> set[str]:
    """The partner's own unit codes: those of its ``unit_overrides``, and those its order ``document_id`` used.

    An answer repeats the units of the order it answers, and a partner reads back the codes it
    sends, even ones outside the X12 355 list; the pre-send gate counts them as agreed.
    """
    codes = {str(code).upper() for code in (partner.settings.get("unit_overrides") or {})}
    order = _answered_order(s, document_id)
    if order is None:
        return codes
    try:
        for event in read_interchanges(order.raw):
            if isinstance(event, TransactionSet):
                codes.update(segment[UNIT_ELEMENTS[segment[0]]].upper() for segment in event.segments
                             if segment[0] in UNIT_ELEMENTS and len(segment) > UNIT_ELEMENTS[segment[0]]
                             and segment[UNIT_ELEMENTS[segment[0]]])
    except FormatError:
        pass  # an order that does not read again agrees nothing more
    return codes


def isa_version(gs_version: str) -> str:
    """ISA12 for a GS08 version: 004010 -> 00401, 005010 -> 00501."""
    return X12_VERSIONS.get(gs_version[:6], "00401")


STANDARDS = ("x12", "ubl", "cxml")
"""What a trading partner may speak: its ``settings["standard"]``, X12 unless told otherwise."""


def partner_standard(partner: Partner) -> str:
    """``x12``, ``ubl`` or ``cxml``: the standard we write to this partner (and expect from it)."""
    standard = str(partner.settings.get("standard") or "x12").lower()
    if standard not in STANDARDS:
        raise ValueError(f"partner {partner.id}: standard {standard!r} is not one of {', '.join(STANDARDS)}")
    return standard


def acknowledgment_window(partner: Partner) -> float:
    """Hours within which the partner must acknowledge (997/999) what we send; 24 by default."""
    return float(partner.settings.get("ack_window_hours") or 24)


def item_map(partner: Partner) -> dict[str, str]:
    """The partner's item numbers (buyer part, GTIN, its own codes) -> our SKUs."""
    return {str(k).strip(): str(v).strip() for k, v in (partner.settings.get("item_map") or {}).items()}


def with_our_items(partner: Partner, order: Order) -> Order:
    """``order`` with our SKU added to every line that names the item only by a number the partner maps.

    Partners that order by their own part numbers or GTINs set ``item_map``; the line keeps the
    partner's identifiers (the acknowledgment echoes them) and gains the seller identifier.
    """
    mapping = item_map(partner)
    if not mapping:
        return order
    lines = []
    for line in order.lines:
        if line.item_id(ItemIdKind.SELLER) is None:
            ours = next((mapping[item.value] for item in line.items if item.value in mapping), None)
            if ours is not None:
                line = line.model_copy(update={"items": (*line.items, ItemId(kind=ItemIdKind.SELLER, value=ours))})
        lines.append(line)
    return order.model_copy(update={"lines": tuple(lines)})


class PricePolicy(StrEnum):
    """What happens to an order line priced outside the partner's tolerance of our contract price."""

    ACCEPT = "accept"  # placed at the partner's price, the difference flagged on the document
    HOLD = "hold"  # the order waits in ``price_hold`` for an operator to release or reject it
    REJECT = "reject"  # refused: the partner's 855 / OrderResponse gives our price on each such line


@dataclass(frozen=True)
class PriceRule:
    """A partner's price tolerance: how far its line price may be from ours, and what happens beyond.

    ``tolerance`` is an amount in the order's currency per unit, or with ``percent`` a percentage
    of our price; 0 (the default) lets no difference through.
    """

    policy: PricePolicy = PricePolicy.HOLD
    tolerance: Decimal = Decimal(0)
    percent: bool = False

    def allows(self, theirs: Decimal, ours: Decimal) -> bool:
        """Whether the partner's unit price ``theirs`` is close enough to our ``ours``."""
        limit = abs(ours) * self.tolerance / 100 if self.percent else self.tolerance
        return abs(theirs - ours) <= limit

    def describe(self) -> str:
        """The tolerance as the setting writes it (``0.05``, ``2%``)."""
        return f"{self.tolerance}{'%' if self.percent else ''}"


def price_rule(partner: Partner) -> PriceRule:
    """The partner's ``price_policy`` and ``price_tolerance`` (README: partner settings); ValueError if invalid.

    Without ``price_policy`` a partner holds any price difference for an operator: an order at
    the wrong price is never placed silently.
    """
    settings = partner.settings
    raw_policy = settings.get("price_policy", PricePolicy.HOLD.value)
    try:
        policy = PricePolicy(str(raw_policy).strip().lower())
    except ValueError:
        raise ValueError(f"partner {partner.id}: settings.price_policy {raw_policy!r} is not one of "
                         f"{', '.join(p.value for p in PricePolicy)}") from None
    raw = settings.get("price_tolerance", 0)
    if isinstance(raw, bool) or not isinstance(raw, int | str | Decimal):
        raise ValueError(f"partner {partner.id}: settings.price_tolerance must be an amount (\"0.05\") or a "
                         f"percentage (\"2%\"), not {raw!r}")
    text = str(raw).strip()
    percent = text.endswith("%")
    try:
        tolerance = Decimal(text.removesuffix("%").strip())
    except InvalidOperation:
        raise ValueError(f"partner {partner.id}: settings.price_tolerance {raw!r} is not an amount or a "
                         "percentage") from None
    if not tolerance.is_finite() or tolerance < 0:
        raise ValueError(f"partner {partner.id}: settings.price_tolerance {raw!r} must be 0 or more")
    return PriceRule(policy, tolerance, percent)


def check_settings(partner: Partner) -> list[str]:
    """What is wrong with the partner's settings that the pipeline validates (empty: nothing)."""
    problems = []
    try:
        price_rule(partner)
    except ValueError as exc:
        problems.append(str(exc))
    try:
        unit_map(partner)
    except MappingError as exc:
        problems.append(f"partner {partner.id}: settings.unit_overrides: {exc.message}")
    return problems


def sends(partner: Partner, document: str) -> bool:
    """Whether we accept ``document`` (e.g. "860") from the partner; all supported ones unless told."""
    accepted = partner.settings.get("sends")
    return True if accepted is None else document in accepted


def wants(partner: Partner, document: str) -> bool:
    """Whether the partner expects ``document`` (e.g. "855") from us; all do unless told not to."""
    expected = partner.settings.get("expects")
    return True if expected is None else document in expected


def ensure_partner(session: Session, partner: Partner) -> Partner:
    """Create ``partner`` with its control-number counters unless it exists (idempotent)."""
    existing = session.get(Partner, partner.id)
    if existing is not None:
        return existing
    session.add(partner)
    session.flush()
    for kind in ControlKind:
        session.add(ControlCounter(partner_id=partner.id, kind=kind.value, last_value=0))
    return partner
