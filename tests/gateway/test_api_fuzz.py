"""Every operation of the OpenAPI, fed generated requests by schemathesis: none answers a 5xx.

The requests carry the operator token, so they get past authentication into the handlers; what
they may not do is crash one. A failure lists each operation with the request that broke it.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings

from gateway.app import create_app
from gateway.services import Services

from .conftest import OPERATOR_TOKEN

EXAMPLES = 25  # per operation: enough to hit the edges (huge ids, empty and odd strings), quick in CI


def test_no_generated_request_makes_a_server_error(services: Services) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(services, workers=0))
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20

    for operation in operations:
        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def call(case: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {OPERATOR_TOKEN}"}
            try:
                response = case.call()
            except Exception as exc:  # a handler raised through the app: the client would see a 500
                failures.append(f"{case.operation.label} {case.path_parameters} {case.query}: "
                                f"{type(exc).__name__}: {exc}")
                return
            if response.status_code >= 500:
                failures.append(f"{case.operation.label} {case.path_parameters} {case.query}: "
                                f"{response.status_code} {response.text[:200]}")

        call()
    assert failures == [], "\n".join(sorted(set(failures))[:30])
