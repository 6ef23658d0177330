from commerce.errors import DomainError

CONFLICT = 409


class OutOfStock(DomainError):
    """A line could not be taken (409): `name` is what the shopper wanted, `available` what is left."""

    def __init__(self, *, variant_pk: int, name: str, wanted: int, available: int) -> None:
        self.variant_pk = variant_pk
        self.name = name
        self.wanted = wanted
        self.available = available
        if available <= 0:
            code, message = "sold_out", f"{name} sold out while you were checking out."
        else:
            code, message = "insufficient_stock", f"Only {available} of {name} left (you wanted {wanted})."
        super().__init__(code, message, CONFLICT)


class StockError(DomainError):
    """A stock change refused (422): below zero, or no change at all."""
