"""The operator pages (``/admin``): server-rendered HTML over the same store the API reads.

An operator signs in with an operator token, finds documents by partner, standard, type, state,
date and PO number, reads one whole (raw bytes, canonical translation, history, attempts,
acknowledgment, linked documents and ERP order), replays it or corrects and retries it, looks
at partners and their settings, and watches the KPIs. Plain forms, no script: it works in any
browser and with a screen reader, and every action is a POST with a CSRF token.
"""
