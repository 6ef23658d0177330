from django import forms
from django.contrib.auth.forms import UserCreationForm

from .models import User


class SignupForm(UserCreationForm[User]):
    """Sign up with an email address and a password typed twice."""

    class Meta:
        model = User
        fields = ("email", "first_name")
        labels = {"first_name": "First name (optional)"}

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this email already exists. Sign in instead.")
        return email
