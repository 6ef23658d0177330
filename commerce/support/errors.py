from dataclasses import dataclass


@dataclass
class SupportError(Exception):
    """A rule a request broke; `message` is shown to the person as is."""

    message: str
    status: int = 422

    def __str__(self) -> str:
        return self.message
