"""Admin forms: aliases are edited as one name per line instead of raw JSON; an article's date and
body meet the rules the import applies (``validators``)."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .validators import validate_body_length, validate_published_at


class AliasesField(forms.CharField):
    """A list of names shown and typed as one name per line; blanks and repeats are dropped."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return "\n".join(value)
        return value

    def to_python(self, value):
        names = []
        for line in (value or "").splitlines():
            name = " ".join(line.split())
            if name and name not in names:
                names.append(name)
        return names


class ArticleForm(forms.ModelForm):
    """The article's change form: no date more than a day ahead, no body or summary over the size limit."""

    def clean_published_at(self):
        published_at = self.cleaned_data["published_at"]
        validate_published_at(published_at)
        return published_at

    def clean_body(self):
        body = self.cleaned_data["body"]
        validate_body_length(body)
        return body

    def clean_summary(self):
        summary = self.cleaned_data["summary"]
        validate_body_length(summary)
        return summary


class NamedEntityForm(forms.ModelForm):
    """The form of any named entity; the admin gives it the model."""

    aliases = AliasesField(
        label=capfirst(_("aliases")), required=False, help_text=_("Other names it goes by, one per line.")
    )

    def clean(self):
        cleaned = super().clean()
        name = cleaned.get("name")
        if name and cleaned.get("aliases"):
            cleaned["aliases"] = [alias for alias in cleaned["aliases"] if alias != name]
        return cleaned

