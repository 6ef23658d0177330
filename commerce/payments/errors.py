class PaymentError(Exception):
    """A payment step that did not happen; `message` is written for the person asking.

    `retryable` says whether the same request may succeed later (network, Stripe outage,
    rate limit) as opposed to one that never will as it stands (declined, bad state).
    """

    def __init__(self, code: str, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
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
        return cls("not_payable", f"This order cannot be paid: it is {status_label.lower()}.")

    @classmethod
    def hold_expired(cls) -> "PaymentError":
        return cls("hold_expired", "Your hold has expired and the items went back on sale. Please check out again.")

    @classmethod
    def not_refundable(cls, status_label: str) -> "PaymentError":
        return cls("not_refundable", f"This order cannot be refunded: it is {status_label.lower()}.")

    @classmethod
    def no_payment(cls) -> "PaymentError":
        return cls("no_payment", "This order has no successful payment to refund.")

    @classmethod
    def bad_refund_amount(cls, refundable_minor: int) -> "PaymentError":
        return cls(
            "bad_refund_amount",
            f"The refund must be more than 0 and at most {refundable_minor / 100:.2f} (what is left to refund).",
        )

    @classmethod
    def duplicate_request(cls) -> "PaymentError":
        return cls("duplicate_request", "This refund was already sent: nothing more was refunded.")
