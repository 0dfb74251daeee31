"""Delivery guarantees: the transactional outbox, its transports, and the history of attempts.

* :mod:`~gateway.delivery.outbox` -- write a message in the decision's transaction; claim, lease,
  redeliver;
* :mod:`~gateway.delivery.transports` -- the transport registry keyed by channel (the interface a
  new way out implements is documented there);
* :mod:`~gateway.delivery.deliverer` -- the delivery worker inside ``b2bgw worker``;
* :mod:`~gateway.delivery.failures` -- transient or permanent, backoff, the partner's attempts;
* :mod:`~gateway.delivery.attempts` -- every attempt with its error, for dead letters.
"""

from gateway.delivery.failures import FailureKind, PermanentFailure, TransientFailure, classify
from gateway.delivery.outbox import MessageState, enqueue, enqueue_document, enqueue_json, redeliver
from gateway.delivery.transports import Message, Receipt, Transport, register_transport

__all__ = [
    "FailureKind",
    "Message",
    "MessageState",
    "PermanentFailure",
    "Receipt",
    "TransientFailure",
    "Transport",
    "classify",
    "enqueue",
    "enqueue_document",
    "enqueue_json",
    "redeliver",
    "register_transport",
]
