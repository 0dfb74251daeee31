"""UBL ``cac:PaymentMeans`` <-> canonical :class:`~formats.model.PaymentMeans` (EN 16931 BG-16).

An invoice says how to pay it: the means (UNCL 4461 ``PaymentMeansCode``: ``30`` credit
transfer, ``58`` SEPA credit transfer, ``49`` direct debit), the reference to quote
(``PaymentID``, BT-83) and the seller's account (``PayeeFinancialAccount``: ``ID`` the IBAN,
BT-84; ``Name``, BT-85; ``FinancialInstitutionBranch/ID`` the BIC, BT-86). EN 16931 BR-61 wants
the account for a credit transfer, and PEPPOL NL-R-007 wants a payment means of every Dutch
supplier. Elements are written in the XSD order of ``PaymentMeansType`` (UBL 2.1): ``ID``,
``PaymentMeansCode``, ``PaymentDueDate``, ..., ``PaymentID``, ..., ``PayeeFinancialAccount``.

>>> from formats.ubl.common import new_document, serialize
>>> root = new_document("Invoice")
>>> render_payment_means(root, (PaymentMeans(code="58", account_id="NL91ABNA0417164300", payment_id="INV-1"),))
>>> b"<cbc:PaymentMeansCode>58</cbc:PaymentMeansCode>" in serialize(root)
True
"""

from __future__ import annotations

import datetime as dt

from lxml import etree

from formats.model import PaymentMeans
from formats.ubl.common import Reader, cac, cbc

UNDEFINED = "1"
"""UNCL 4461 *instrument not defined*: the means of a credit note that only states when it is settled."""


def read_payment_means(r: Reader, root: etree._Element) -> tuple[PaymentMeans, ...]:
    """Every ``cac:PaymentMeans`` of a document with a code (their due dates are read with the document)."""
    found: list[PaymentMeans] = []
    for node in r.children(root, "PaymentMeans"):
        code = r.optional(node, "PaymentMeansCode")
        if code is None:
            continue
        account = r.child(node, "PayeeFinancialAccount")
        found.append(PaymentMeans(
            code=code,
            account_id=r.optional(account, "ID"),
            account_name=r.optional(account, "Name"),
            institution_id=r.optional(account, "FinancialInstitutionBranch", "ID"),
            payment_id=r.optional(node, "PaymentID"),
        ))
    return tuple(found)


def render_payment_means(root: etree._Element, means: tuple[PaymentMeans, ...],
                         due_date: dt.date | None = None) -> None:
    """Append one ``cac:PaymentMeans`` per means; ``due_date`` (a credit note's) goes in the first.

    A credit note with a due date and no means gets one of code ``1`` to carry it, since
    ``CreditNote`` has no header ``DueDate``.
    """
    if not means and due_date is not None:
        means = (PaymentMeans(code=UNDEFINED),)
    for index, one in enumerate(means):
        node = cac(root, "PaymentMeans")
        cbc(node, "PaymentMeansCode", one.code)
        cbc(node, "PaymentDueDate", due_date if index == 0 else None)
        cbc(node, "PaymentID", one.payment_id)
        if one.account_id or one.account_name or one.institution_id:
            account = cac(node, "PayeeFinancialAccount")
            cbc(account, "ID", one.account_id)
            cbc(account, "Name", one.account_name)
            if one.institution_id:
                cbc(cac(account, "FinancialInstitutionBranch"), "ID", one.institution_id)


__all__ = ["read_payment_means", "render_payment_means"]
