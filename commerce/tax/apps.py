from django.apps import AppConfig


class TaxConfig(AppConfig):
    name = "commerce.tax"
    label = "tax"
    verbose_name = "Tax"

    def ready(self) -> None:
        from . import providers, selectors
        from .models import TaxRate

        providers.check_provider()
        selectors.RATES.watch(TaxRate)  # a TAX_PROVIDER that does not load stops the start, not a checkout
