"""CMS ``CompressedData`` (RFC 3274, zlib) for AS2, which RFC 5402 brings to AS2 messages.

:func:`compress` writes it; :func:`decompress` reads it with a ceiling (:data:`MAX_DECOMPRESSED`),
because a few kilobytes of zlib can inflate into gigabytes and a partner's message must not exhaust
our memory. Its own module because it shares nothing with signatures or encryption beyond reading
the ``ContentInfo``.
"""

from __future__ import annotations

import zlib

from asn1crypto import cms

from gateway.as2.cms_common import _content_info
from gateway.as2.errors import As2Error, DecompressionFailed

#: The largest content :func:`decompress` produces: a small message must not inflate into gigabytes.
MAX_DECOMPRESSED = 256 * 1024 * 1024


def compress(content: bytes) -> bytes:
    """``content`` as a DER CMS CompressedData (zlib), the RFC 5402 compression of AS2."""
    compressed = cms.CompressedData({
        "version": "v0",
        "compression_algorithm": {"algorithm": "zlib"},
        "encap_content_info": {"content_type": "data", "content": zlib.compress(content)},
    })
    return cms.ContentInfo({"content_type": "compressed_data", "content": compressed}).dump()


def decompress(data: bytes, *, max_size: int = MAX_DECOMPRESSED) -> bytes:
    """The content of a CMS CompressedData (DER, PEM or base64), at most ``max_size`` bytes."""
    try:
        info = _content_info(data, "compressed content", DecompressionFailed)
        if info["content_type"].native != "compressed_data":
            raise DecompressionFailed(f"expected CMS compressed-data, got {info['content_type'].native}")
        compressed = info["content"]
        algorithm = compressed["compression_algorithm"]["algorithm"].native
        if algorithm != "zlib":
            raise DecompressionFailed(f"unsupported compression {algorithm}; only zlib is defined")
        packed = compressed["encap_content_info"]["content"].native
        if not isinstance(packed, bytes):
            raise DecompressionFailed("the compressed data carries no content")
        inflater = zlib.decompressobj()
        content = inflater.decompress(packed, max_size)
        if inflater.unconsumed_tail:
            raise DecompressionFailed(f"the compressed content inflates beyond {max_size} bytes")
        if not inflater.eof:
            raise DecompressionFailed("the zlib stream ends early: truncated")
        return content
    except As2Error:
        raise
    except zlib.error as exc:
        raise DecompressionFailed(f"the zlib stream is corrupt: {exc}") from exc
    except Exception as exc:
        raise DecompressionFailed(f"the compressed content could not be read: {type(exc).__name__}: {exc}") from exc


__all__ = [
    "MAX_DECOMPRESSED",
    "compress",
    "decompress",
]
