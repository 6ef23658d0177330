from django.urls import path

from . import address_views, email_views, passwords, token_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    path("signup/confirm/<str:token>/", views.signup_confirm, name="signup_confirm"),
    path("password/reset/", passwords.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", passwords.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        passwords.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password/change/", passwords.PasswordChangeView.as_view(), name="password_change"),
    path("email/verify/", email_views.email_verify_send, name="email_verify"),
    path("email/change/", email_views.email_change, name="email_change"),
    path("email/confirm/<str:token>/", email_views.email_confirm, name="email_confirm"),
    path("addresses/", address_views.address_list, name="addresses"),
    path("addresses/new/", address_views.address_edit, name="address_add"),
    path("addresses/<int:pk>/", address_views.address_edit, name="address_edit"),
    path("addresses/<int:pk>/default/", address_views.address_default, name="address_default"),
    path("addresses/<int:pk>/delete/", address_views.address_delete, name="address_delete"),
    path("api-tokens/", token_views.api_tokens, name="api_tokens"),
    path("api-tokens/<int:pk>/revoke/", token_views.api_token_revoke, name="api_token_revoke"),
    path("data/", views.data_export, name="data_export"),
    path("delete/", views.account_delete, name="delete"),
    path("notifications/", views.notification_preferences, name="notifications"),
    path("", views.account, name="account"),
]
