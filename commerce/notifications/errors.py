from commerce.errors import DomainError

BAD_GATEWAY = 502


class DeliveryError(DomainError):
    """A message could not be handed to its provider.

    `permanent` errors (an opted-out or invalid number, a rejected address) are not retried;
    the others (timeouts, throttling, 5xx) are, with backoff.
    """

    def __init__(self, message: str, *, permanent: bool, code: str = "") -> None:
        super().__init__(code, message, BAD_GATEWAY)
        self.permanent = permanent
