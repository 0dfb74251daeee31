"""The OCI pages: refusals, the cart form to the HOOK_URL, FUNCTION answers, each in the buyer's charset.

SAP asks for our pages in ``http_content_charset`` and decodes the cart form it receives in it,
so these pages are encoded in that charset (what it cannot hold becomes a character reference,
and the form values were already limited to it by :func:`formats.oci.render`) and say so in
their ``Content-Type`` and ``<meta charset>``. Jinja's autoescaping writes every value, a product
name with quotes or ``<script>`` too, as text.

The pages that carry NEW_ITEM fields to the HOOK_URL get a Content-Security-Policy whose
``form-action`` is that address alone (``sapevent:`` for SAP GUI) and, when they submit
themselves, a per-answer nonce for that one line of script (:mod:`gateway.api.security_headers`).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from gateway.api.security_headers import frame_ancestors, new_nonce, storefront_policy, with_policy
from gateway.oci import service
from gateway.oci.callup import CallUpRefused
from gateway.punchout import sessions
from gateway.punchout.return_url import form_action_source
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Partner, utcnow

templates = Jinja2Templates(directory=str(Path(str(files("gateway.oci").joinpath("templates")))))


def page(template: str, context: dict[str, Any], *, charset: str = "utf-8", status: int = 200,
         policy: str | None = None) -> Response:
    """``template`` rendered and encoded in ``charset`` (with character references for what it lacks).

    ``policy`` is its Content-Security-Policy; without one the storefront's default applies.
    """
    text = templates.get_template(template).render({"charset": charset, **context})
    response = Response(text.encode(charset, errors="xmlcharrefreplace"), status_code=status,
                        media_type=f"text/html; charset={charset}")
    return with_policy(response, policy) if policy else response


def hook_page(template: str, context: dict[str, Any], *, action: str, charset: str,
              ancestors: tuple[str, ...] = ()) -> Response:
    """A page whose form goes to the HOOK_URL ``action``: it may post there only, and submit itself by nonce."""
    nonce = new_nonce()
    policy = storefront_policy(ancestors, nonce=nonce, form_action=[form_action_source(action)])
    return page(template, {**context, "action": action, "nonce": nonce}, charset=charset, policy=policy)


def refused(refusal: CallUpRefused | sessions.SessionProblem, *, charset: str = "utf-8", status: int | None = None,
            heading: str = "Catalog call-up refused") -> Response:
    """The page of a refused call-up or a cart that cannot go back."""
    code = status or (refusal.status if isinstance(refusal, CallUpRefused) else 400)
    return page("message.html", {"heading": heading, "message": str(refusal)}, charset=charset, status=code)


def answer(entered: service.Entered) -> Response:
    """A FUNCTION's NEW_ITEM fields: auto-submitted to the HOOK_URL (VALIDATE, QUANTITYCHECK) or listed."""
    callup = entered.callup
    if entered.autosubmit:
        return hook_page("hook.html", {"title": "Checking the item", "fields": entered.fields,
                                       "target": callup.target}, action=callup.hook_url, charset=callup.charset)
    return hook_page("results.html", {"fields": entered.fields, "products": entered.products,
                                      "search": callup.search or ""}, action=callup.hook_url, charset=callup.charset)


async def transfer(services: Services, key: str | None) -> Response | None:
    """The storefront's "Transfer cart" for an OCI session: the NEW_ITEM form to its HOOK_URL; None if not OCI."""

    def build() -> tuple[service.HookForm, tuple[str, ...]] | None:
        with session(services.engine) as s:
            try:
                row = sessions.current(s, key)
            except sessions.SessionProblem:
                return None  # the storefront's own answer says why
            if not service.is_oci(row):
                return None
            sessions.return_address(row, sapevent=True)  # again: the session may predate the rule
            form = service.hook_form(services.engine, services.erp, row)
            partner = s.get(Partner, row.partner_id)
            row.transferred_at = utcnow()
            s.add(row)
            s.commit()
            return form, frame_ancestors(partner.settings if partner else None)

    try:
        built = await run_in_threadpool(build)
    except sessions.SessionProblem as problem:
        return refused(problem, heading="Cart not sent")
    if built is None:
        return None
    form, ancestors = built
    return hook_page("hook.html", {"title": "Returning your cart", "fields": form.fields, "target": form.target},
                     action=form.action, charset=form.charset, ancestors=ancestors)


__all__ = ["answer", "hook_page", "page", "refused", "templates", "transfer"]
