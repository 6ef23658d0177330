from commerce.errors import DomainError


class TaxError(DomainError):
    """Tax that cannot be worked out as asked (422); nothing was charged or stored."""

    @classmethod
    def negative_amount(cls) -> "TaxError":
        return cls("negative_taxable_amount", "An amount to tax cannot be below zero.")

    @classmethod
    def negative_rate(cls) -> "TaxError":
        return cls("negative_tax_rate", "A tax rate cannot be below zero.")

    @classmethod
    def bad_result(cls, key: str) -> "TaxError":
        return cls("bad_tax_result", f"The tax provider's figures for {key} do not add up; nothing was charged.")
