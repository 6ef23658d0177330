from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "commerce.support"
    label = "support"
    verbose_name = "Support"

    def ready(self) -> None:
        from . import inbound, live, signals  # noqa: F401 - signals connects the login receiver

        live.register()
        inbound.register()
