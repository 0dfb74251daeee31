"""Alerts: the operator hears about dead letters, error spikes and missing acknowledgments, once per incident.

:func:`gateway.alerts.incidents.raise_alerts` runs in every worker's housekeeping. It opens an
incident for each new problem and queues one notification per configured webhook (and one e-mail
when SMTP is configured) through the transactional outbox, in the same transaction: the outbox
retries a receiver that is down, and an incident that stays open is never notified again, however
often the worker looks.
"""
