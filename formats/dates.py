"""The time of day an order was issued, for the answers that must quote it back.

A canonical :class:`~formats.model.Order` keeps its date in ``order_date`` and, when the document
gave one, its time as a :class:`~formats.model.DatedEvent` of kind ``DOCUMENT`` on that date (cXML
``orderDate`` with its zone, UBL ``IssueTime``, an X12 DTM 004 with a time). An answer repeats
it: cXML's ``OrderReference orderDate`` "must be copied directly from the referenced
OrderRequest" (Fulfill.dtd 1.2.063), so an :class:`~formats.model.OrderResponse` built from an
order carries ``po_time = order_time(order)`` beside ``po_date = order.order_date``.

>>> import datetime as dt
>>> from formats.model import DatedEvent, DateKind, Order
>>> pst = dt.timezone(dt.timedelta(hours=-8))
>>> order = Order(po_number="DO1234", order_date=dt.date(2000, 10, 12), dates=(
...     DatedEvent(kind=DateKind.DOCUMENT, date=dt.date(2000, 10, 12), time=dt.time(18, 41, 29, tzinfo=pst)),))
>>> order_time(order)
datetime.time(18, 41, 29, tzinfo=datetime.timezone(datetime.timedelta(days=-1, seconds=57600)))
>>> order_time(Order(po_number="4711", order_date=dt.date(2000, 10, 12))) is None
True
"""

from __future__ import annotations

import datetime as dt

from formats.model import DateKind, Order


def order_time(order: Order) -> dt.time | None:
    """The time of day (zone-aware when the order gave a zone) ``order`` was issued; None when it gave none.

    Only a document date on ``order.order_date`` itself counts: a time of another day would pair
    with the wrong date.
    """
    if order.order_date is None:
        return None
    return next((event.time for event in order.dates
                 if event.kind == DateKind.DOCUMENT and event.date == order.order_date and event.time is not None),
                None)


__all__ = ["order_time"]
