from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm

from .models import Address, User
from .permissions import RoleAdminMixin


class AdminUserCreationForm(UserCreationForm[User]):
    class Meta:
        model = User
        fields = ("email",)


class AdminUserChangeForm(UserChangeForm[User]):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(RoleAdminMixin, DjangoUserAdmin[User]):
    form = AdminUserChangeForm
    add_form = AdminUserCreationForm
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups", ("email_verified_at", admin.EmptyFieldListFilter))
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Important dates", {"fields": ("last_login", "date_joined", "email_verified_at")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(Address)
class AddressAdmin(RoleAdminMixin, admin.ModelAdmin[Address]):
    list_display = ("full_name", "user", "city", "country", "default_shipping")
    search_fields = ("full_name", "user__email", "city", "postal_code")
    raw_id_fields = ("user",)
