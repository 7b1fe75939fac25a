"""Health, readiness and metrics: ``/healthz``, ``/readyz`` and ``/metrics`` for any site.

- ``/healthz``: the process answers (liveness).
- ``/readyz``: 200 when every app has started, still admits, and its inbox answers a
  point lookup within 2 s; else 503 with the reason (starting, draining, inbox down).
- ``/metrics``: Prometheus text (``pip install wecom-callback[metrics]``). With several
  uvicorn workers, set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory shared by them
  (prometheus-client's multiprocess mode) or run one worker per container.

Metrics carry no corp, user or external ids: kinds, outcomes and codes only.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from .._worker.observer import Observer
from ..client import ClientEvents

if TYPE_CHECKING:
    from .app import WeComApp

__all__ = ["PrometheusObserver", "health_routes", "observer"]

#: Seconds the inbox may take to answer the readiness probe.
_PROBE_TIMEOUT = 2.0


class PrometheusObserver(Observer, ClientEvents):
    """Counts callbacks, rejections, handler and admission time, the client's token
    fetches and API errors, and (at each scrape) the inbox's records, in Prometheus."""

    def __init__(self) -> None:
        from prometheus_client import Counter, Gauge, Histogram

        self.callbacks = Counter(
            "wecom_callbacks_total", "Callbacks admitted, by kind and outcome",
            ["kind", "outcome"],
        )  # fmt: skip
        self.rejections = Counter(
            "wecom_rejections_total", "Requests refused, by HTTP status and WeCom code",
            ["status", "code"],
        )  # fmt: skip
        self.admission = Histogram(
            "wecom_admission_seconds", "Time to commit a callback to the inbox",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4),
        )  # fmt: skip
        self.handlers = Histogram(
            "wecom_handler_seconds", "Handler run time, by kind and result", ["kind", "result"]
        )
        self.completions = Counter(
            "wecom_completions_total", "Records finished within the reply budget or after",
            ["kind", "where"],
        )  # fmt: skip

        self.token_fetches = Counter(
            "wecom_token_fetches_total", "Access tokens fetched by the client, by API and outcome",
            ["api", "outcome"],
        )  # fmt: skip
        self.api_errors = Counter(
            "wecom_api_errors_total", "Client calls that failed, by API and errcode (or transport)",
            ["api", "code"],
        )  # fmt: skip
        self.records = Gauge(
            "wecom_inbox_records", "Inbox records by status, read at each scrape (backlog:"
            " pending and running; dead letters: dead), summed over this process's endpoints",
            ["status"], multiprocess_mode="livemax",
        )  # fmt: skip

        # Children by label values: labels() takes a lock and hashes every call; these
        # are read on every callback.
        self._children: dict[tuple[str, str, str], Any] = {}

    def _child(self, metric: Any, name: str, a: str, b: str) -> Any:
        child = self._children.get((name, a, b))
        if child is None:
            child = self._children[(name, a, b)] = metric.labels(a, b)
        return child

    def admitted(self, kind: str, outcome: str, seconds: float) -> None:
        """Count one admission (new, duplicate: a dedupe hit, refused)."""
        self._child(self.callbacks, "c", kind, outcome).inc()
        if outcome != "refused":
            self.admission.observe(seconds)

    def handled(self, kind: str, seconds: float, ok: bool) -> None:
        """Time one handler."""
        self._child(self.handlers, "h", kind, "ok" if ok else "error").observe(seconds)

    def finished(self, kind: str, inline: bool) -> None:
        """Count one finished record."""
        where = "inline" if inline else "background"
        self._child(self.completions, "f", kind, where).inc()

    def rejected(self, status: int, code: int | None) -> None:
        """Count one refused request (4xx, or 503 when the inbox refused it)."""
        self.rejections.labels(str(status), "" if code is None else str(code)).inc()

    def token_fetched(self, api: str, ok: bool) -> None:
        """Count one token fetch."""
        self.token_fetches.labels(api, "ok" if ok else "failed").inc()

    def api_error(self, api: str, code: str) -> None:
        """Count one failed client call."""
        self.api_errors.labels(api, code).inc()

    async def read_inboxes(self, apps: Sequence[WeComApp]) -> None:
        """Set the record gauges from the apps' inboxes (each within the probe timeout)."""
        totals: dict[str, int] = {}
        for app in apps:
            if not app.runner.started:
                continue
            try:
                async with asyncio.timeout(_PROBE_TIMEOUT):
                    counts = await app.inbox.stats()
            except Exception:
                continue  # /readyz says why; stale figures are worse than none
            for status, count in counts.items():
                totals[status] = totals.get(status, 0) + count
        for status, count in totals.items():
            self.records.labels(status).set(count)


_SHARED: PrometheusObserver | None = None


def observer() -> Observer:
    """The process's Prometheus observer (one set of metrics for every app), or a no-op."""
    global _SHARED
    if _SHARED is None:
        try:
            _SHARED = PrometheusObserver()
        except ModuleNotFoundError:
            return Observer()
    return _SHARED


async def _ready(apps: Sequence[WeComApp]) -> tuple[bool, str]:
    for app in apps:
        if not app.runner.started:
            return False, f"endpoint {app.name} is starting"
        if not app.runner.accepting:
            return False, f"endpoint {app.name} is draining"
        try:
            async with asyncio.timeout(_PROBE_TIMEOUT):
                await app.inbox.get("\0readiness probe")
        except Exception as exc:
            return False, f"endpoint {app.name}: inbox unreachable ({type(exc).__name__})"
    return True, "ready"


def health_routes(apps: Sequence[WeComApp]) -> list[BaseRoute]:
    """``/healthz``, ``/readyz`` and ``/metrics`` for the given apps, for a site's routes."""

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(request: Request) -> Response:
        ok, why = await _ready(apps)
        return PlainTextResponse(why, status_code=200 if ok else 503)

    async def metrics(request: Request) -> Response:
        try:
            from prometheus_client import (
                CONTENT_TYPE_LATEST,
                REGISTRY,
                generate_latest,
                multiprocess,
            )
            from prometheus_client.registry import CollectorRegistry
        except ModuleNotFoundError:
            return PlainTextResponse(
                "metrics need prometheus-client: pip install wecom-callback[metrics]",
                status_code=501,
            )
        shared = observer()
        if isinstance(shared, PrometheusObserver):
            await shared.read_inboxes(apps)
        registry: Any = REGISTRY
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # untyped upstream
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return [
        Route("/healthz", healthz, include_in_schema=False),
        Route("/readyz", readyz, include_in_schema=False),
        Route("/metrics", metrics, include_in_schema=False),
    ]
