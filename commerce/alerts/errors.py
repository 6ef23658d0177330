from commerce.errors import DomainError


class AlertError(DomainError):
    """A sign-up the rules refuse; `message` is shown to the person as is."""

    def __init__(self, message: str, status: int | None = None, *, code: str = "alert") -> None:
        super().__init__(code, message, status)
