"""The page benchmark (bench.pages) requests every GET route, at a URL that reaches it.

A new page or API GET without a probe in bench/pages/routes.py fails here, so
it cannot escape the benchmark; so does a probe whose URL no longer leads to
its endpoint, or one sent as a role that may not use the route (it would time
a 403).
"""

from __future__ import annotations

from flask import Flask
from werkzeug.exceptions import MethodNotAllowed, NotFound

from bench.pages.routes import PROBES, SAMPLE_VALUES
from tests.web.test_access_matrix import EXPECTED, PUBLIC


def _get_endpoints(app: Flask) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in (rule.methods or ())}


def test_every_get_route_has_a_probe(app: Flask) -> None:
    probed = {probe.endpoint for probe in PROBES}
    assert _get_endpoints(app) - probed == set(), "add these routes to bench/pages/routes.py"
    assert probed - _get_endpoints(app) == set(), "probes of routes that no longer exist"


def test_each_probe_reaches_its_endpoint(app: Flask) -> None:
    adapter = app.url_map.bind("localhost")
    wrong = []
    for probe in PROBES:
        path = probe.url(SAMPLE_VALUES).split("?", 1)[0]
        try:
            endpoint, _args = adapter.match(path, method="GET")
        except (NotFound, MethodNotAllowed) as exc:
            wrong.append(f"{probe.name}: {path} matches nothing ({exc.code})")
            continue
        if endpoint != probe.endpoint:
            wrong.append(f"{probe.name}: {path} reaches {endpoint}")
    assert wrong == []


def test_each_probe_is_sent_as_a_role_that_may() -> None:
    refused = []
    for probe in PROBES:
        allowed = EXPECTED.get((probe.endpoint, "GET"), PUBLIC)
        if probe.role == "public":
            if allowed != PUBLIC:
                refused.append(f"{probe.name}: nobody signed in may not")
        elif allowed != PUBLIC and probe.role not in allowed:
            refused.append(f"{probe.name}: {probe.role} may not")
    assert refused == []
