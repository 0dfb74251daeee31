"""The one error type of the AS2 message layer, carrying the MDN disposition it must be answered with.

RFC 4130 section 7.4.3 (and RFC 5402 for ``decompression-failed``) names the error modifiers a
receiver puts in ``Disposition: automatic-action/MDN-sent-automatically; processed/error: <modifier>``.
Every failure of :mod:`gateway.as2.cms`, :mod:`gateway.as2.message` and :mod:`gateway.as2.mdn` is an
:class:`As2Error` whose ``disposition`` is one of them, so the receiving route answers the right MDN
without interpreting exception types, and whose ``message`` says what failed and where.

Hierarchy::

    As2Error                          (any of the dispositions below)
    ├── DecryptionFailed              decryption-failed
    ├── AuthenticationFailed          authentication-failed
    ├── IntegrityCheckFailed          integrity-check-failed
    ├── DecompressionFailed           decompression-failed
    ├── InsufficientMessageSecurity   insufficient-message-security
    └── UnexpectedProcessingError     unexpected-processing-error
"""

from __future__ import annotations

from typing import ClassVar, Literal

Disposition = Literal[
    "decryption-failed",
    "authentication-failed",
    "integrity-check-failed",
    "decompression-failed",
    "insufficient-message-security",
    "unexpected-processing-error",
]

DISPOSITIONS: tuple[Disposition, ...] = (
    "decryption-failed",
    "authentication-failed",
    "integrity-check-failed",
    "decompression-failed",
    "insufficient-message-security",
    "unexpected-processing-error",
)


class As2Error(Exception):
    """An AS2 message or MDN that could not be read, with the RFC 4130 disposition modifier to answer.

    ``message_id``, ``as2_from`` and ``as2_to`` are what was read of the envelope before the failure
    (None when it failed first), so the MDN can still be addressed.
    """

    default_disposition: ClassVar[Disposition] = "unexpected-processing-error"

    def __init__(
        self,
        message: str,
        *,
        disposition: Disposition | None = None,
        message_id: str | None = None,
        as2_from: str | None = None,
        as2_to: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.disposition: Disposition = disposition or self.default_disposition
        self.message_id = message_id
        self.as2_from = as2_from
        self.as2_to = as2_to

    def __str__(self) -> str:
        return f"{self.disposition}: {self.message}"

    def with_envelope(self, message_id: str | None, as2_from: str | None, as2_to: str | None) -> As2Error:
        """The same error, completed with the envelope read so far (fields already set are kept)."""
        self.message_id = self.message_id or message_id
        self.as2_from = self.as2_from or as2_from
        self.as2_to = self.as2_to or as2_to
        return self


class DecryptionFailed(As2Error):
    """The encrypted content could not be decrypted with any of our keys."""

    default_disposition = "decryption-failed"


class AuthenticationFailed(As2Error):
    """The signer is not the partner's certificate, its certificate is not valid, or the signature is wrong."""

    default_disposition = "authentication-failed"


class IntegrityCheckFailed(As2Error):
    """The signed content differs from what was signed (message digest mismatch)."""

    default_disposition = "integrity-check-failed"


class DecompressionFailed(As2Error):
    """The compressed content (RFC 5402) could not be decompressed."""

    default_disposition = "decompression-failed"


class InsufficientMessageSecurity(As2Error):
    """The message lacks a signature or encryption the partner agreement requires."""

    default_disposition = "insufficient-message-security"


class UnexpectedProcessingError(As2Error):
    """Anything else: malformed MIME, missing headers, an unsupported algorithm."""

    default_disposition = "unexpected-processing-error"


__all__ = [
    "DISPOSITIONS",
    "As2Error",
    "AuthenticationFailed",
    "DecompressionFailed",
    "DecryptionFailed",
    "Disposition",
    "InsufficientMessageSecurity",
    "IntegrityCheckFailed",
    "UnexpectedProcessingError",
]
