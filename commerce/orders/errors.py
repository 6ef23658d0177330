from commerce.errors import DomainError


class OrderError(DomainError):
    """An order change that cannot be made (422); `message` is written for the person asking."""

    @classmethod
    def empty_cart(cls) -> "OrderError":
        return cls("empty_cart", "Your cart is empty.")

    @classmethod
    def unavailable_lines(cls, names: list[str]) -> "OrderError":
        return cls("unavailable", "These items are no longer sold, remove them first: " + ", ".join(names) + ".")

    @classmethod
    def bad_transition(cls, current: str, wanted: str) -> "OrderError":
        return cls(
            "bad_transition", f"An order that is {current.replace('_', ' ')} cannot become {wanted.replace('_', ' ')}."
        )

    @classmethod
    def not_cancellable(cls, status_label: str) -> "OrderError":
        return cls(
            "not_cancellable",
            f"This order is {status_label.lower()}, so it can no longer be cancelled. Nothing was changed. "
            "Once it is delivered you can ask to return it.",
        )

    @classmethod
    def not_returnable(cls, message: str) -> "OrderError":
        return cls("not_returnable", message + " Nothing was changed.")
