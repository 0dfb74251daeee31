"""Credit control: decisions at order intake, the credit ledger, holds an operator releases or rejects.

:mod:`~gateway.credit.control` decides (race-safe per customer), :mod:`~gateway.credit.intake` is
the gate order intake calls, :mod:`~gateway.credit.ledger` moves reserved credit as the ERP
invoices, is paid and cancels, :mod:`~gateway.credit.actions` holds the operator's actions.
"""
