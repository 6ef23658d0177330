class OutOfStock(Exception):
    """A line could not be taken: `name` is what the shopper wanted, `available` what is left."""

    def __init__(self, *, variant_pk: int, name: str, wanted: int, available: int) -> None:
        self.variant_pk = variant_pk
        self.name = name
        self.wanted = wanted
        self.available = available
        if available <= 0:
            message = f"{name} sold out while you were checking out."
        else:
            message = f"Only {available} of {name} left (you wanted {wanted})."
        super().__init__(message)
        self.message = message
