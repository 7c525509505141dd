"""Why a purchase step was refused. Every refusal is a PurchaseRefused (events/purchase_rules.py),
with a message for a person, a code for a program and the HTTP status a view answers with."""

from events.purchase_rules import PurchaseRefused


class CheckoutError(PurchaseRefused):
    """A refused cart, checkout or payment step."""


class SoldOut(CheckoutError):
    code = "sold_out"
    http_status = 409


class SignInRequired(CheckoutError):
    """A deal limited per customer is bought by accounts, so one person cannot buy it again as a
    new guest."""

    code = "sign_in_required"
    http_status = 403


class PaymentUnavailable(CheckoutError):
    code = "payment_unavailable"
    http_status = 503
