"""What operators watch: JSON log lines with the document in context, /metrics, /readyz."""

from __future__ import annotations

import io
import json
import logging
import re

from fastapi.testclient import TestClient

from gateway.observability.logs import ContextFilter, document_context
from gateway.services import Services

from .flow import drain, post


def test_every_log_line_of_a_document_carries_its_id_and_partner() -> None:
    from pythonjsonlogger.json import JsonFormatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter("%(levelname)s %(name)s %(message)s %(document_id)s %(partner)s"))
    logger = logging.getLogger("b2bgw.test")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        with document_context(42, "acme"):
            logger.warning("translating")
        logger.warning("idle")
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert (first["document_id"], first["partner"], first["message"]) == (42, "acme", "translating")
    assert second["document_id"] is None


def test_metrics_count_documents_and_show_the_queue(client: TestClient, services: Services) -> None:
    post(client, "850-4010-basic.x12")
    before = client.get("/metrics").text
    assert 'b2bgw_queue_documents{state="queued"} 1.0' in before
    drain(services)
    text = client.get("/metrics").text
    assert 'b2bgw_documents_received_total{partner="acme",standard="x12"}' in text
    assert 'b2bgw_documents_processed_total{outcome="processed",partner="acme",standard="x12",type="850"}' in text
    # The worker places its batch of orders with one push_orders call (push_order when alone in older versions).
    assert re.search(r'b2bgw_erp_call_seconds_count\{operation="push_orders?",outcome="ok"\} [1-9]', text)
    assert 'b2bgw_queue_documents{state="processed"}' in text
    assert "b2bgw_oldest_waiting_seconds 0.0" in text


def test_readyz_says_the_schema_is_current(client: TestClient) -> None:
    answer = client.get("/readyz")
    assert answer.status_code == 200 and answer.json()["status"] == "ready"
