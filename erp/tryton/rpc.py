"""A small JSON-RPC client for a Tryton server, and the mapping of its failures onto the port's two errors.

Why not proteus: proteus pulls its own XML-RPC marshalling and keeps client-side records; the adapter
needs a handful of plain calls (search_read, create, write, button methods) and exact control over
which failures are transient. Tryton's JSON-RPC is one POST per call to ``{url}/{database}/`` with
``{"id", "method", "params"}``; Decimal, date and datetime travel as ``{"__class__": ...}`` objects.

Authentication is a session: ``common.db.login`` answers ``[user_id, token, ...]`` and every call then
sends ``Authorization: Session base64(login:user_id:token)``. Sessions expire after the server's
``session.timeout`` of inactivity, so a 401/403 on a call logs in again once and repeats the call.

Failures: connection refused or reset, timeouts, HTTP 5xx/429 and Tryton's concurrency, time-out and
rate-limit exceptions are :class:`ErpUnavailable` (retrying can help); ``UserError`` and ``UserWarning``
are the ERP refusing for a business reason, :class:`ErpRejected`. An unexpected server exception
(a traceback) is treated as transient: the gateway retries a bounded number of times, then dead-letters.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from erp.port import ErpRejected, ErpUnavailable

_TRANSIENT_TRYTON = frozenset({"ConcurrencyException", "TimeOutException", "RateLimitException"})


def _encode(obj: object) -> object:
    if isinstance(obj, Decimal):
        return {"__class__": "Decimal", "decimal": str(obj)}
    if isinstance(obj, dt.datetime):
        return {"__class__": "datetime", "year": obj.year, "month": obj.month, "day": obj.day, "hour": obj.hour,
                "minute": obj.minute, "second": obj.second, "microsecond": obj.microsecond}
    if isinstance(obj, dt.date):
        return {"__class__": "date", "year": obj.year, "month": obj.month, "day": obj.day}
    if isinstance(obj, bytes):
        return {"__class__": "bytes", "base64": base64.b64encode(obj).decode()}
    if isinstance(obj, set | frozenset | tuple):
        return list(obj)
    raise TypeError(f"cannot send {type(obj).__name__} to Tryton")


def _decode(dct: dict[str, Any]) -> object:
    kind = dct.get("__class__")
    if kind == "Decimal":
        return Decimal(dct["decimal"])
    if kind == "datetime":
        return dt.datetime(dct["year"], dct["month"], dct["day"], dct["hour"], dct["minute"], dct["second"],
                           dct["microsecond"])
    if kind == "date":
        return dt.date(dct["year"], dct["month"], dct["day"])
    if kind == "bytes":
        return base64.b64decode(dct["base64"])
    if kind == "timedelta":
        return dt.timedelta(seconds=dct["seconds"])
    return dct


def _refusal(error: object) -> Exception:
    """The port error for a JSON-RPC ``error`` member."""
    if isinstance(error, list) and error and isinstance(error[0], str):
        name, detail = error[0], error[1] if len(error) > 1 else None
        if name == "UserError" and isinstance(detail, list) and detail:
            text = " - ".join(str(part) for part in detail[:2] if part)
            return ErpRejected(f"Tryton refused: {text}")
        if name == "UserWarning" and isinstance(detail, list) and len(detail) > 1:
            text = " - ".join(str(part) for part in detail[1:3] if part)
            return ErpRejected(f"Tryton warned (needs a person to confirm): {text}")
        if name in _TRANSIENT_TRYTON:
            return ErpUnavailable(f"Tryton is busy ({name}): {detail}")
        return ErpUnavailable(f"Tryton server error: {name}")
    return ErpUnavailable(f"Tryton server error: {error!r}")


class TrytonRpc:
    """One Tryton database over JSON-RPC, logged in as one user, with that user's context."""

    def __init__(self, url: str, database: str, login: str, password: str, *, timeout: float = 30.0) -> None:
        self.endpoint = f"{url.rstrip('/')}/{database}/rpc/"
        self.server_endpoint = f"{url.rstrip('/')}/rpc/"
        self.login_name = login
        self._password = password
        self.timeout = timeout
        self._auth: str | None = None
        self._context: dict[str, Any] = {}
        self._ids = itertools.count(1)

    # -- transport ------------------------------------------------------------------------------

    def _post(self, method: str, params: Sequence[object], *, auth: bool, endpoint: str | None = None) -> Any:
        body = json.dumps({"id": next(self._ids), "method": method, "params": list(params)}, default=_encode)
        headers = {"Content-Type": "application/json"}
        if auth and self._auth is not None:
            headers["Authorization"] = self._auth
        url = endpoint or self.endpoint
        request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                payload = json.loads(answer.read(), object_hook=_decode)
        except urllib.error.HTTPError as exc:
            if exc.code in (401, 403):
                raise _SessionExpired(exc.code) from exc
            if exc.code >= 500 or exc.code in (408, 423, 429):
                raise ErpUnavailable(f"Tryton answered HTTP {exc.code} to {method}") from exc
            raise ErpRejected(f"Tryton answered HTTP {exc.code} to {method}: {exc.reason}") from exc
        except (TimeoutError, urllib.error.URLError, OSError) as exc:
            raise ErpUnavailable(f"Tryton at {url} is unreachable ({method}): {exc}") from exc
        except json.JSONDecodeError as exc:
            raise ErpUnavailable(f"Tryton answered {method} with something that is not JSON") from exc
        if "error" in payload and payload["error"] is not None:
            raise _refusal(payload["error"])
        return payload.get("result")

    def _login(self) -> None:
        try:
            result = self._post("common.db.login", [self.login_name, {"password": self._password}, "en"], auth=False)
        except _SessionExpired as exc:
            raise ErpRejected(f"Tryton refused the login of {self.login_name!r} (check user and password)") from exc
        user_id, token = result[0], result[1]
        raw = f"{self.login_name}:{user_id}:{token}".encode()
        self._auth = "Session " + base64.b64encode(raw).decode()
        self._context = {}
        preferences = self._post("model.res.user.get_preferences", [True, {}], auth=True)
        self._context = dict(preferences or {})

    @property
    def context(self) -> dict[str, Any]:
        """The user's preferences context (company, language), sent with every model call."""
        if self._auth is None:
            self._login()
        return self._context

    def call(self, method: str, *params: object) -> Any:
        """Call ``method`` with ``params`` (logging in first or again when the session is gone)."""
        for attempt in range(2):
            if self._auth is None:
                self._login()
            try:
                return self._post(method, params, auth=True)
            except _SessionExpired:
                self._auth = None
                if attempt:
                    raise ErpRejected(f"Tryton refused {method} for user {self.login_name!r} (access rights)") from None
        raise AssertionError("unreachable")

    # -- model helpers --------------------------------------------------------------------------

    def model(self, model: str, method: str, *params: object, context: Mapping[str, Any] | None = None) -> Any:
        """``model.<model>.<method>(*params, context)`` with the user's context (plus ``context``)."""
        ctx = dict(self.context)
        if context:
            ctx.update(context)
        return self.call(f"model.{model}.{method}", *params, ctx)

    def search_read(self, model: str, domain: Sequence[object], fields: Sequence[str], *,
                    order: Sequence[tuple[str, str]] | None = None, limit: int | None = None,
                    context: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Records matching ``domain`` as dicts of ``fields`` (``id`` always included)."""
        return list(self.model(model, "search_read", list(domain), 0, limit,
                               [list(o) for o in order] if order else None, list(fields), context=context))

    def server_version(self) -> str:
        """The server's series (``8.2``); needs no login."""
        try:
            return str(self._post("common.server.version", [], auth=False, endpoint=self.server_endpoint))
        except _SessionExpired as exc:
            raise ErpRejected(f"Tryton at {self.server_endpoint} refused to tell its version") from exc


class _SessionExpired(Exception):
    """HTTP 401/403: the session is missing or expired (or the user may not do this)."""


__all__ = ["TrytonRpc"]
