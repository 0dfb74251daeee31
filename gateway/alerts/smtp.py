"""The ``smtp`` outbox channel: an alert e-mail handed to the installation's mail server.

The message carries everything the transport needs, so delivery needs no settings: the destination
is the server as ``host:port``, the payload the whole RFC 5322 message, and the headers
``mail_from`` / ``mail_to`` the envelope. A refused sender or recipient (5xx) is permanent; a
server that is down, busy or answers 4xx is retried by the outbox like any other transient failure.
"""

from __future__ import annotations

import smtplib

from gateway.delivery.failures import PermanentFailure, TransientFailure
from gateway.delivery.transports import Message, Receipt, register_transport


class SmtpTransport:
    """Send the payload as one mail through ``destination`` (``host:port``)."""

    def __init__(self, timeout_seconds: float = 30.0) -> None:
        self.timeout_seconds = timeout_seconds

    def deliver(self, message: Message) -> Receipt:
        """One SMTP transaction; the envelope from the message's headers."""
        host, _, port = message.destination.rpartition(":")
        sender, recipient = message.headers.get("mail_from"), message.headers.get("mail_to")
        if not host or not port.isdigit() or not sender or not recipient:
            raise PermanentFailure(f"mail message {message.id}: needs host:port, mail_from and mail_to")
        try:
            with smtplib.SMTP(host, int(port), timeout=self.timeout_seconds) as server:
                refused = server.sendmail(sender, [recipient], message.payload)
        except smtplib.SMTPResponseException as exc:
            failure = PermanentFailure if exc.smtp_code >= 500 else TransientFailure
            raise failure(f"mail server {message.destination} answered {exc.smtp_code}: {exc.smtp_error!r}") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure(f"mail server {message.destination} refused {recipient}") from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise TransientFailure(f"mail server {message.destination} not reachable: {exc}") from exc
        if refused:
            raise PermanentFailure(f"mail server {message.destination} refused {', '.join(refused)}")
        return Receipt(f"mailed to {recipient} through {message.destination}")


register_transport("smtp", lambda context: SmtpTransport(context.timeout_seconds))

__all__ = ["SmtpTransport"]
