"""The usage-report endpoints under /api/v1/telemetry/ (no account: installations are anonymous).

Plain Django views rather than REST framework ones: a batch is read, inflated and decoded with
explicit size limits before any parsing, and answered with the codes the contract names (202,
400, 413, 415, 429, 503). Every error is ``{"error": code, "detail": message}``. The client's
address is used only to key a rate-limit counter (hashed) and is never stored or logged.
"""

from __future__ import annotations

import json
import random
import uuid
import zlib
from collections.abc import Callable, Iterable

import msgspec
from django.conf import settings
from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from portal.core.jsonlimits import JSONTooDeep, json_depth_check
from telemetry import ratelimit, schema, services


class RequestRefused(Exception):
    def __init__(self, status: int, code: str, detail: str, retry_after: int | None = None):
        super().__init__(detail)
        self.status, self.code, self.detail, self.retry_after = status, code, detail, retry_after


def _error(status: int, code: str, detail: str, retry_after: int | None = None) -> JsonResponse:
    response = JsonResponse({"error": code, "detail": detail}, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _limit(request: HttpRequest, installations: dict | None = None) -> ratelimit.Verdict:
    verdict = ratelimit.hit(
        address=_address(request) if installations is None else None,
        installations=installations,
    )
    if not verdict.allowed:
        raise RequestRefused(
            429, "rate_limited", "Too many requests; retry later.", verdict.retry_after
        )
    return verdict


def _body(request: HttpRequest) -> bytes:
    """The request body, inflated, within the configured limits."""
    if request.content_type != "application/json":
        raise RequestRefused(415, "unsupported_media_type", "Send application/json.")
    encoding = request.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in ("identity", "gzip"):
        raise RequestRefused(
            415, "unsupported_encoding", f"Content-Encoding {encoding!r} is not accepted; use gzip."
        )
    limit = settings.TELEMETRY_MAX_BODY_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise RequestRefused(413, "body_too_large", f"The body exceeds {limit} bytes.")
    body = request.read(limit + 1)
    if len(body) > limit:
        raise RequestRefused(413, "body_too_large", f"The body exceeds {limit} bytes.")
    if encoding == "gzip":
        body = _inflate(body, settings.TELEMETRY_MAX_INFLATED_BYTES)
    elif len(body) > settings.TELEMETRY_MAX_INFLATED_BYTES:
        raise RequestRefused(413, "body_too_large", "The body is too large.")
    try:
        json_depth_check(body)
    except JSONTooDeep as exc:
        raise RequestRefused(400, "too_deep", str(exc)) from None
    return body


def _inflate(body: bytes, limit: int) -> bytes:
    """Inflate gzip, never producing more than ``limit`` + 1 bytes (a gzip bomb stops there)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise RequestRefused(400, "bad_gzip", f"The body is not valid gzip: {exc}.") from exc
    if len(data) > limit or inflater.unconsumed_tail:
        raise RequestRefused(
            413, "inflated_body_too_large", f"The body inflates to more than {limit} bytes."
        )
    if not inflater.eof:
        raise RequestRefused(400, "bad_gzip", "The gzip body is truncated.")
    return data


def _next_report_after(busiest: float) -> int:
    """When the client should report next: the configured interval, longer when it pushes hard,
    with some spread so installations do not all come back at once."""
    interval = settings.TELEMETRY_REPORT_INTERVAL_SECONDS
    if busiest > 0.5:
        interval *= 2
    return int(interval * random.uniform(0.9, 1.1))  # noqa: S311 - spread, not secrecy


@csrf_exempt
@require_POST
@transaction.non_atomic_requests
def reports(request: HttpRequest) -> HttpResponse:
    try:
        first = _limit(request)
        body = _body(request)
        try:
            batch = schema.batch_decode(body)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            raise RequestRefused(
                400, "malformed", f"The body is not a batch of reports: {exc}"
            ) from exc
        if len(batch.reports) > settings.TELEMETRY_MAX_BATCH:
            raise RequestRefused(
                413,
                "batch_too_large",
                f"{len(batch.reports)} reports; send at most {settings.TELEMETRY_MAX_BATCH}.",
            )
        # Decoded once: the rate limit counts the reports per installation, the service cleans
        # and stores them (a report that does not decode goes on as received, to be rejected).
        reports = [_decoded(raw) for raw in batch.reports]
        second = _limit(request, _reports_per_installation(reports))
        result = services.reports_ingest(reports=reports)
    except RequestRefused as refused:
        return _error(refused.status, refused.code, refused.detail, refused.retry_after)
    except services.IngestUnavailable:
        return _error(503, "unavailable", "The reports could not be stored; send them again.", 60)
    payload = {
        "accepted": result.accepted,
        "duplicates": result.duplicates,
        "rejected": result.rejected,
        "rejections": result.rejections,
        "next_report_after": _next_report_after(max(first.busiest, second.busiest)),
    }
    return HttpResponse(msgspec.json.encode(payload), status=202, content_type="application/json")


class _InstallationOnly(msgspec.Struct):
    installation_id: uuid.UUID | None = None


_installation_decoder = msgspec.json.Decoder(_InstallationOnly)


def _decoded(raw: msgspec.Raw) -> schema.Report | msgspec.Raw:
    try:
        return schema.report_decode(raw)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return raw


def _reports_per_installation(
    reports: Iterable[schema.Report | msgspec.Raw],
) -> dict[uuid.UUID, int]:
    counts: dict[uuid.UUID, int] = {}
    for report in reports:
        installation_id: uuid.UUID | None
        if isinstance(report, schema.Report):
            installation_id = report.installation_id
        else:
            try:
                installation_id = _installation_decoder.decode(report).installation_id
            except (msgspec.ValidationError, msgspec.DecodeError):
                continue
        if installation_id is not None:
            counts[installation_id] = counts.get(installation_id, 0) + 1
    return counts


class Credentials(msgspec.Struct, forbid_unknown_fields=True):
    installation_id: uuid.UUID
    installation_secret: schema.Secret


def _credentials(request: HttpRequest) -> Credentials:
    body = _body(request)
    try:
        return msgspec.json.decode(body, type=Credentials)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise RequestRefused(
            400, "malformed", f"Expected installation_id and installation_secret: {exc}"
        ) from exc


def _installation_call(request: HttpRequest, action: Callable[[], HttpResponse]) -> HttpResponse:
    try:
        _limit(request)
        return action()
    except RequestRefused as refused:
        return _error(refused.status, refused.code, refused.detail, refused.retry_after)
    except services.InstallationError as exc:
        return _error(exc.status, exc.code, str(exc))
    except DatabaseError:
        return _error(503, "unavailable", "Try again later.", 60)


@csrf_exempt
@require_POST
@transaction.non_atomic_requests
def opt_out(request: HttpRequest) -> HttpResponse:
    def action() -> HttpResponse:
        credentials = _credentials(request)
        deleted = services.installation_opt_out(
            installation_id=credentials.installation_id, secret=credentials.installation_secret
        )
        return JsonResponse(
            {
                "installation_id": str(credentials.installation_id),
                "status": "opted_out",
                "deleted_reports": deleted,
            }
        )

    return _installation_call(request, action)


@csrf_exempt
@require_POST
@transaction.non_atomic_requests
def opt_in(request: HttpRequest) -> HttpResponse:
    def action() -> HttpResponse:
        credentials = _credentials(request)
        services.installation_opt_in(
            installation_id=credentials.installation_id, secret=credentials.installation_secret
        )
        return JsonResponse(
            {"installation_id": str(credentials.installation_id), "status": "active"}, status=201
        )

    return _installation_call(request, action)


@never_cache
@require_GET
@transaction.non_atomic_requests
def installation_status(request: HttpRequest, installation_id: uuid.UUID) -> HttpResponse:
    def action() -> HttpResponse:
        secret = request.headers.get("X-Installation-Secret", "")
        if not secret:
            raise RequestRefused(
                400, "secret_missing", "Send the installation secret in X-Installation-Secret."
            )
        installation = services.installation_status(installation_id=installation_id, secret=secret)
        participating = installation.status == installation.Status.ACTIVE
        return JsonResponse(
            {
                "installation_id": str(installation.id),
                "status": installation.status,
                "participating": participating,
                # Beta builds run only while their installation takes part in the programme.
                "beta_allowed": participating,
            }
        )

    return _installation_call(request, action)


@require_GET
def report_schema(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        json.dumps(schema.json_schema(), indent=2), content_type="application/schema+json"
    )
    response["Cache-Control"] = "public, max-age=3600"
    return response


urlpatterns = [
    path("telemetry/schema", report_schema, name="telemetry-schema"),
    path("telemetry/reports", reports, name="telemetry-reports"),
    path("telemetry/opt-out", opt_out, name="telemetry-opt-out"),
    path("telemetry/opt-in", opt_in, name="telemetry-opt-in"),
    path(
        "telemetry/installations/<uuid:installation_id>/status",
        installation_status,
        name="telemetry-status",
    ),
]
