"""Reading a request body without letting a partner make us hold more than the limit."""

from __future__ import annotations

from fastapi import Request


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


__all__ = ["read_limited"]
