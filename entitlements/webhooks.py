"""The online shop's order notifications: POST /webhooks/orders/ (contract in the README)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from entitlements import services
from portal.core.errors import ApplicationError

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
@transaction.non_atomic_requests
def order_notification(request: HttpRequest) -> JsonResponse:
    try:
        order, created = services.order_notification_receive(
            body=request.body, signature=request.headers.get("X-Order-Signature")
        )
    except services.SignatureInvalid as exc:
        logger.warning("Order notification refused: %s", exc.message)
        return JsonResponse({"error": "invalid signature"}, status=403)
    except ApplicationError as exc:
        return JsonResponse({"error": exc.message, **exc.extra}, status=400)
    return JsonResponse(
        {"reference": order.reference, "duplicate": not created}, status=201 if created else 200
    )
