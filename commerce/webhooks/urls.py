from django.urls import path

from . import views

app_name = "webhooks"
urlpatterns = [
    path("ops/webhooks/", views.endpoint_list, name="list"),
    path("ops/webhooks/<int:pk>/", views.endpoint_detail, name="endpoint"),
    path("ops/webhooks/<int:pk>/rotate/", views.endpoint_rotate, name="rotate"),
    path("ops/webhooks/<int:pk>/deliveries/<int:delivery>/send-again/", views.delivery_resend, name="resend"),
]
