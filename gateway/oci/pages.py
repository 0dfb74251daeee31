"""The OCI pages: refusals, the cart form to the HOOK_URL, FUNCTION answers, each in the buyer's charset.

SAP asks for our pages in ``http_content_charset`` and decodes the cart form it receives in it,
so these pages are encoded in that charset (what it cannot hold becomes a character reference,
and the form values were already limited to it by :func:`formats.oci.render`) and say so in
their ``Content-Type`` and ``<meta charset>``. Jinja's autoescaping writes every value, a product
name with quotes or ``<script>`` too, as text.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from gateway.oci import service
from gateway.oci.callup import CallUpRefused
from gateway.punchout import sessions
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import utcnow

templates = Jinja2Templates(directory=str(Path(str(files("gateway.oci").joinpath("templates")))))


def page(template: str, context: dict[str, Any], *, charset: str = "utf-8", status: int = 200) -> Response:
    """``template`` rendered and encoded in ``charset`` (with character references for what it lacks)."""
    text = templates.get_template(template).render({"charset": charset, **context})
    return Response(text.encode(charset, errors="xmlcharrefreplace"), status_code=status,
                    media_type=f"text/html; charset={charset}")


def refused(refusal: CallUpRefused | sessions.SessionProblem, *, charset: str = "utf-8", status: int | None = None,
            heading: str = "Catalog call-up refused") -> Response:
    """The page of a refused call-up or a cart that cannot go back."""
    code = status or (refusal.status if isinstance(refusal, CallUpRefused) else 400)
    return page("message.html", {"heading": heading, "message": str(refusal)}, charset=charset, status=code)


def answer(entered: service.Entered) -> Response:
    """A FUNCTION's NEW_ITEM fields: auto-submitted to the HOOK_URL (VALIDATE, QUANTITYCHECK) or listed."""
    callup = entered.callup
    if entered.autosubmit:
        return page("hook.html", {"title": "Checking the item", "action": callup.hook_url, "fields": entered.fields,
                                  "target": callup.target}, charset=callup.charset)
    return page("results.html", {"action": callup.hook_url, "fields": entered.fields, "products": entered.products,
                                 "search": callup.search or ""}, charset=callup.charset)


async def transfer(services: Services, key: str | None) -> Response | None:
    """The storefront's "Transfer cart" for an OCI session: the NEW_ITEM form to its HOOK_URL; None if not OCI."""

    def build() -> service.HookForm | None:
        with session(services.engine) as s:
            try:
                row = sessions.current(s, key)
            except sessions.SessionProblem:
                return None  # the storefront's own answer says why
            if not service.is_oci(row):
                return None
            form = service.hook_form(services.engine, services.erp, row)
            row.transferred_at = utcnow()
            s.add(row)
            s.commit()
            return form

    try:
        form = await run_in_threadpool(build)
    except sessions.SessionProblem as problem:
        return refused(problem, heading="Cart not sent")
    if form is None:
        return None
    return page("hook.html", {"title": "Returning your cart", "action": form.action, "fields": form.fields,
                              "target": form.target}, charset=form.charset)


__all__ = ["answer", "page", "refused", "templates", "transfer"]
