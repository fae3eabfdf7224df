"""Admin forms: aliases are edited as one name per line instead of raw JSON."""

from django import forms


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


class NamedEntityForm(forms.ModelForm):
    """The form of any named entity; the admin gives it the model."""

    aliases = AliasesField(required=False, help_text="Other names it goes by, one per line.")

    def clean(self):
        cleaned = super().clean()
        name = cleaned.get("name")
        if name and cleaned.get("aliases"):
            cleaned["aliases"] = [alias for alias in cleaned["aliases"] if alias != name]
        return cleaned

