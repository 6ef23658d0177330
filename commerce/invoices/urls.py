from django.urls import path

from . import views

app_name = "invoices"

urlpatterns = [
    path("orders/<str:number>/invoice.pdf", views.invoice, name="invoice"),
    path("orders/<str:number>/credit-notes/<str:document>.pdf", views.credit_note, name="credit_note"),
]
