"""Reading a request body without letting a partner make us hold more than the limit.

Two readers: :func:`read_limited` gathers a small body (a cXML request, an OCI form) in memory;
:func:`spool_limited` writes an upload into a :class:`tempfile.SpooledTemporaryFile`, which stays
in memory up to a threshold (``B2BGW_UPLOAD_SPOOL_BYTES``) and moves to a temporary file on disk
past it, so a large file arriving slowly holds a few KiB of memory rather than all it sent so
far. Both stop at the first chunk past the limit and say so; what arrived is kept either way,
for the caller to store with the refusal.
"""

from __future__ import annotations

from tempfile import SpooledTemporaryFile
from typing import IO

from fastapi import Request

from gateway.api.limits import UploadTicket


async def read_limited(request: Request, limit: int) -> tuple[bytes, bool]:
    """The body as it streams in, stopped at the first chunk past ``limit``; and whether it was stopped.

    What arrived is returned either way, so the caller can keep it with the refusal.
    """
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            return bytes(body), True
    return bytes(body), False


async def spool_limited(request: Request, limit: int, spool: IO[bytes],
                        ticket: UploadTicket | None) -> tuple[int, bool]:
    """Write the body into ``spool`` as it streams in, stopped at the first chunk past ``limit``.

    Returns the bytes written and whether the body was stopped. With a ``ticket`` (a body that
    declared no length), every chunk is counted in the bytes in flight before it is written, and
    :class:`gateway.api.limits.Overloaded` stops the read when there is no room.
    """
    size = 0
    async for chunk in request.stream():
        if ticket is not None:
            await ticket.hold(len(chunk))
        spool.write(chunk)
        size += len(chunk)
        if size > limit:
            return size, True
    return size, False


def new_spool(threshold: int, folder: str | None) -> SpooledTemporaryFile[bytes]:
    """A spool that moves to a file in ``folder`` (else the system's temporary folder) past ``threshold`` bytes."""
    return SpooledTemporaryFile(max_size=threshold, mode="w+b", dir=folder)


def read_back(spool: IO[bytes], size: int) -> bytes:
    """The spooled body as one ``bytes``: the only copy of a large upload held in memory.

    Read with its size known, the file is read into one buffer (no growing, no join of pieces).
    """
    spool.seek(0)
    raw = spool.read(size)
    return raw if len(raw) == size else raw + spool.read()


__all__ = ["new_spool", "read_back", "read_limited", "spool_limited"]
