from commerce.errors import DomainError


class CartError(DomainError):
    """A cart change that cannot be made (422); `message` is written for the shopper."""

    @classmethod
    def bad_quantity(cls, maximum: int) -> "CartError":
        return cls("bad_quantity", f"Choose a quantity between 1 and {maximum}.")

    @classmethod
    def unavailable(cls) -> "CartError":
        return cls("unavailable", "That item is no longer available.")

    @classmethod
    def not_in_cart(cls) -> "CartError":
        return cls("not_in_cart", "That item is not in your cart.")

    @classmethod
    def insufficient_stock(cls, *, name: str, available: int, in_cart: int) -> "CartError":
        if available <= 0:
            return cls("sold_out", f"{name} is sold out.")
        left = f"Only {available} of {name} left"
        if in_cart:
            return cls("insufficient_stock", f"{left}, and you already have {in_cart} in your cart.")
        return cls("insufficient_stock", f"{left}.")

    @classmethod
    def no_code(cls) -> "CartError":
        return cls("no_code", "Enter a code.")
