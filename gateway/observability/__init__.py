"""Seeing what the gateway does: structured logs with the document in context, Prometheus metrics."""
