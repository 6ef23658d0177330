from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "commerce.ops"
    label = "ops"
    verbose_name = "Ops dashboard"

    def ready(self) -> None:
        from . import live

        live.register()
