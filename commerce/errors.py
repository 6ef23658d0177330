"""The one base of every area's domain errors: what went wrong, for programs, people and HTTP."""

UNPROCESSABLE = 422


class DomainError(Exception):
    """A step the domain refused; nothing changed.

    `code` names the rule for programs and logs, `message` is written for the person who asked
    (shown as is), and `status` is the HTTP status a view answers with (422 unless the error says
    otherwise). Each area's errors extend this; `project.errors` renders them in one way.
    """

    status: int = UNPROCESSABLE
    retry_after: int | None = None  # a refusal for going too fast (429): seconds until a try is allowed

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        if status is not None:
            self.status = status

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, status={self.status})"
