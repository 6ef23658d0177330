"""Included at the root: the webhook under /payments/, the pay page under /checkout/pay/."""

from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("payments/stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
    path("checkout/pay/<str:number>/", views.pay, name="pay"),
    path("checkout/pay/<str:number>/return/", views.pay_return, name="return"),
    path("checkout/pay/<str:number>/test-token/", views.pay_with_test_token, name="test_token"),
]
