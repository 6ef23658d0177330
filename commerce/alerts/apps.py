from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "commerce.alerts"
    label = "alerts"
    verbose_name = "Back-in-stock alerts"
