"""Every table module of the project, imported once so ``SQLModel.metadata`` knows them all.

Alembic's ``env.py`` and the schema test import this module: a new table module is added to
:data:`TABLE_MODULES`, and the migration that creates its tables follows in ``migrations/versions``.
"""

from __future__ import annotations

from importlib import import_module

TABLE_MODULES = (
    "erp.builtin.pricelists",  # the built-in ERP's price lists: erp_price_*
    "erp.builtin.tables",  # the built-in ERP's products, stock, customers, orders ...: erp_*
    "erp.builtin.tax_tables",  # its company profile and VAT master data: erp_company, erp_tax_*
    "gateway.alerts.tables",  # alert incidents: gw_alert_incident
    "gateway.as2.tables",  # AS2 key pairs, partner certificates, messages and MDNs: gw_as2_*
    "gateway.auth.tables",  # API tokens and the audit log
    "gateway.closing.tables",  # order progress per line: gw_order_track, gw_order_line_track
    "gateway.credit.tables",  # credit accounts, orders and ledger: gw_credit_*
    "gateway.delivery.tables",  # the outbox and its delivery attempts: gw_outbox, gw_delivery_attempt
    "gateway.pipeline.turns",  # which worker last took a periodic job: gw_scheduled_turn
    "gateway.pricing.tables",  # price lists, groups, items, stock, sync runs, snapshots
    "gateway.punchout.tables",  # cXML buyers, punchout sessions and items: gw_cxml_*, gw_punchout_*
    "gateway.quotes.tables",  # quotes, their lines and transitions: gw_quote*
    "gateway.store.tables",  # documents, partners, control numbers: gw_*
)

for _module in TABLE_MODULES:
    import_module(_module)
