"""Who is calling, behind a proxy or not: the client's address, the direct peer, and whether it came over HTTPS.

A TLS terminator or load balancer in front of the gateway is the peer of every connection, and
says who the client is in ``X-Forwarded-For`` and how it came in ``X-Forwarded-Proto``. Anyone
can send those headers, so they are believed only from an address in ``B2BGW_TRUSTED_PROXIES``
(addresses or CIDR networks). :class:`ForwardedHeaders` applies that rule for the whole
application (uvicorn's own proxy handling is turned off in ``serve``, so the setting is the one
rule): it remembers the direct peer, then lets uvicorn's
:class:`~uvicorn.middleware.proxy_headers.ProxyHeadersMiddleware` replace the client address and
the scheme when the peer is trusted. After it:

* :func:`client_address` is the client's own address: what lockouts count and the audit log names;
* :func:`peer` is the connection's address: whose ``B2BGW_CLIENT_CERT_HEADER`` may be believed;
* :func:`is_https` says whether the client's request was encrypted (HSTS, Secure cookies).
"""

from __future__ import annotations

import ipaddress
import logging
from functools import lru_cache

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

log = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

PEER_KEY = "b2bgw.peer"
"""Where :class:`ForwardedHeaders` keeps the direct peer's address in the ASGI scope."""


IPV4_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
"""A server listening on ``::`` sees an IPv4 peer as ``::ffff:a.b.c.d``: the same proxy, to be trusted the same."""


@lru_cache(maxsize=8)
def trusted_networks(setting: str) -> tuple[Network, ...]:
    """The networks of ``B2BGW_TRUSTED_PROXIES`` (an address is a network of one); a bad entry is logged and skipped.

    Each IPv4 network comes with its IPv4-mapped IPv6 twin (:data:`IPV4_MAPPED`).
    """
    networks: list[Network] = []
    for item in (part.strip() for part in setting.split(",")):
        if not item:
            continue
        try:
            network = ipaddress.ip_network(item, strict=False)
        except ValueError:
            log.error("B2BGW_TRUSTED_PROXIES: %r is not an address or a network; ignored", item)
            continue
        networks.append(network)
        if isinstance(network, ipaddress.IPv4Network):
            mapped = int(IPV4_MAPPED.network_address) | int(network.network_address)
            networks.append(ipaddress.IPv6Network((mapped, 96 + network.prefixlen)))
    return tuple(networks)


def is_trusted_proxy(host: str | None, setting: str) -> bool:
    """Whether ``host`` is one of ``B2BGW_TRUSTED_PROXIES``, whose forwarded headers are believed."""
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return any(address in network for network in trusted_networks(setting))


class ForwardedHeaders:
    """ASGI middleware: keep the direct peer, then believe ``X-Forwarded-*`` from trusted proxies only."""

    def __init__(self, app: ASGIApp, trusted_proxies: str) -> None:
        self.app = app
        networks = [str(network) for network in trusted_networks(trusted_proxies)]
        # No trusted proxy: nobody's forwarded headers are read at all.
        self.forwarded: ASGIApp = (ProxyHeadersMiddleware(app, trusted_hosts=networks)  # type: ignore[arg-type]
                                   if networks else app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Record the peer, then hand the request on through uvicorn's forwarded-header handling."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        scope[PEER_KEY] = client[0] if client else ""
        await self.forwarded(scope, receive, send)


def peer(connection: HTTPConnection) -> str:
    """The address of the connection itself (the proxy, behind one); ``unknown`` when the server gave none."""
    recorded = connection.scope.get(PEER_KEY)
    if recorded is not None:
        return str(recorded) or "unknown"
    return connection.client.host if connection.client else "unknown"


def client_address(connection: HTTPConnection) -> str:
    """The client's address: ``X-Forwarded-For``'s from a trusted proxy, else the connection's."""
    return connection.client.host if connection.client else "unknown"


def is_https(connection: HTTPConnection) -> bool:
    """Whether the client's request came over TLS (to us, or to a trusted proxy that said so)."""
    return connection.url.scheme in ("https", "wss")


__all__ = ["IPV4_MAPPED", "PEER_KEY", "ForwardedHeaders", "client_address", "is_https", "is_trusted_proxy", "peer",
           "trusted_networks"]
