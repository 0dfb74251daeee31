"""The account a cXML invoice asks to be paid into: a remitTo ``InvoicePartner`` (InvoiceDetail.dtd 1.2.037).

cXML has no payment means element; the cXML guide names the remit-to party's bank account by
``IdReference`` domains (``ibanID``, ``swiftID``, ``accountName``) of an ``InvoicePartner``
whose contact has role ``remitTo``, the first header element after the indicators.
"""

from __future__ import annotations

import pytest

from formats.cxml import invoice
from formats.model import Invoice, Party, PartyRole, PaymentMeans
from tests.formats.ubl.test_payment_means import SEPA

from .conftest import NOW, ROUTING, DtdValidator
from .test_fulfill import INVOICE


def billed(credit: bool = False, means: tuple[PaymentMeans, ...] = (SEPA,)) -> Invoice:
    """The cXML demo invoice of our company, paid by ``means``."""
    return INVOICE.model_copy(update={"is_credit_note": credit, "payment_means": means,
                                      "seller": Party(role=PartyRole.SELLER, name="Demo Office Supplies")})


@pytest.mark.parametrize("credit", [False, True], ids=["invoice", "credit-memo"])
def test_cxml_invoices_name_the_remit_to_account(credit: bool, dtd_validate: DtdValidator) -> None:
    raw = invoice.render(billed(credit), payload_id="p@gw", timestamp=NOW, routing=ROUTING)
    dtd_validate(raw)
    assert b'<IdReference identifier="NL91ABNA0417164300" domain="ibanID"/>' in raw
    # cXML has no remittance reference: the invoiceID is what the buyer quotes
    assert invoice.parse(raw).payment_means == (SEPA.model_copy(update={"payment_id": None}),)


def test_means_without_an_account_write_no_partner(dtd_validate: DtdValidator) -> None:
    raw = invoice.render(billed(means=(PaymentMeans(code="1"),)), payload_id="p@gw", timestamp=NOW, routing=ROUTING)
    dtd_validate(raw)
    assert b'role="remitTo"' not in raw and invoice.parse(raw).payment_means == ()
