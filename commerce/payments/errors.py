from commerce.errors import DomainError
from commerce.money import from_minor

PAYMENT_REQUIRED = 402
CONFLICT = 409
UNPROCESSABLE = 422
BAD_GATEWAY = 502
SERVICE_UNAVAILABLE = 503


class PaymentError(DomainError):
    """A payment step that did not happen; `message` is written for the person asking.

    `retryable` says whether the same request may succeed later (network, Stripe outage,
    rate limit) as opposed to one that never will as it stands (declined, bad state).
    Status: 503 when retryable, else 502 (the provider refused) unless the error names its own.
    """

    def __init__(self, code: str, message: str, *, retryable: bool = False, status: int | None = None) -> None:
        super().__init__(code, message, status or (SERVICE_UNAVAILABLE if retryable else BAD_GATEWAY))
        self.retryable = retryable

    @classmethod
    def unavailable(cls) -> "PaymentError":
        return cls(
            "provider_unavailable",
            "We could not reach our payment provider. Nothing was charged; please try again in a moment.",
            retryable=True,
        )

    @classmethod
    def not_payable(cls, status_label: str) -> "PaymentError":
        return cls("not_payable", f"This order cannot be paid: it is {status_label.lower()}.", status=CONFLICT)

    @classmethod
    def hold_expired(cls) -> "PaymentError":
        return cls(
            "hold_expired",
            "Your hold has expired and the items went back on sale. Please check out again.",
            status=CONFLICT,
        )

    @classmethod
    def not_refundable(cls, status_label: str) -> "PaymentError":
        return cls(
            "not_refundable", f"This order cannot be refunded: it is {status_label.lower()}.", status=UNPROCESSABLE
        )

    @classmethod
    def no_payment(cls) -> "PaymentError":
        return cls("no_payment", "This order has no successful payment to refund.", status=UNPROCESSABLE)

    @classmethod
    def bad_refund_amount(cls, refundable_minor: int, currency: str | None = None) -> "PaymentError":
        left = from_minor(refundable_minor, currency)
        return cls(
            "bad_refund_amount",
            f"The refund must be more than 0 and at most {left} (what is left to refund).",
            status=UNPROCESSABLE,
        )

    @classmethod
    def duplicate_request(cls) -> "PaymentError":
        return cls("duplicate_request", "This refund was already sent: nothing more was refunded.", status=CONFLICT)

    @classmethod
    def bad_refund_lines(cls, message: str) -> "PaymentError":
        """A refund by line that cannot be made as asked (`message` names the line); nothing is held."""
        return cls("bad_refund_lines", message, status=UNPROCESSABLE)

    @classmethod
    def lines_over_payment(cls, lines_minor: int, refundable_minor: int, currency: str | None = None) -> "PaymentError":
        asked, left = from_minor(lines_minor, currency), from_minor(refundable_minor, currency)
        return cls(
            "bad_refund_lines",
            f"These items come to {asked}, but only {left} is left to refund. Refund by amount instead.",
            status=UNPROCESSABLE,
        )
