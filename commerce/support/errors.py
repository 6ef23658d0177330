from commerce.errors import DomainError


class SupportError(DomainError):
    """A rule a request broke; `message` is shown to the person as is (422 unless `status` says)."""

    def __init__(self, message: str, status: int | None = None, *, code: str = "support") -> None:
        super().__init__(code, message, status)
