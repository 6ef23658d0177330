from django import forms

from .models import BODY_MAX, REPLY_MAX, TITLE_MAX

RATINGS = [(stars, f"{stars} star{'s' if stars > 1 else ''}") for stars in range(5, 0, -1)]


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label="Your rating",
        choices=RATINGS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose a rating from 1 to 5 stars.",
            "invalid_choice": "Choose a rating from 1 to 5 stars.",
        },
    )
    title = forms.CharField(label="Title (optional)", max_length=TITLE_MAX, required=False)
    body = forms.CharField(
        label="Your review",
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Write a few words about the product."},
        help_text=f"Up to {BODY_MAX} characters. Plain text: markup shows as typed.",
    )


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label="Reply from the store", max_length=REPLY_MAX, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
