"""`POST /stripe/webhook/`: Stripe's payment events, verified by signature, applied once."""

import logging

import stripe
from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from checkout.payment_outcomes import payment_event_apply

log = logging.getLogger(__name__)


@csrf_exempt  # Stripe cannot send a CSRF token; the signature proves where the request came from
@require_POST
def stripe_webhook(request):
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        return HttpResponseBadRequest("Webhooks are not configured.")
    try:
        event = stripe.Webhook.construct_event(
            request.body, request.headers.get("Stripe-Signature"), secret
        )
    except (ValueError, stripe.SignatureVerificationError):
        # Missing, wrong, altered or stale (over 5 minutes old) signature: nothing happens.
        return HttpResponseBadRequest("Invalid signature.")
    payment_object = event.data.object.to_dict()  # a StripeObject is not a dict: no .get()
    intent_id = (
        payment_object.get("payment_intent")
        if event.type.startswith("charge.")
        else payment_object.get("id")
    )
    if not isinstance(intent_id, str):
        return HttpResponse("No payment intent in this event.")
    try:
        outcome = payment_event_apply(
            event_id=event.id, event_type=event.type, intent_id=intent_id, data=payment_object
        )
    except Exception:
        # Nothing was recorded: answering 500 makes Stripe deliver the event again later.
        log.exception("Stripe event %s (%s) could not be applied", event.id, event.type)
        return HttpResponse("Not applied; deliver it again.", status=500)
    log.info("Stripe event %s (%s): %s", event.id, event.type, outcome)
    return HttpResponse(outcome)
