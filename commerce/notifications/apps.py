from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "commerce.notifications"
    label = "notifications"
    verbose_name = "Notifications"
