"""Read an admin change form back as the POST data a browser would send."""

from django import forms


def bound_field_data(bound) -> dict:
    """The POST items of one bound field, split the way its widget renders it."""
    value = bound.value()
    widget = bound.field.widget
    if value is None or value is False:
        return {}
    if isinstance(widget, forms.MultiWidget):
        parts = value if isinstance(value, (list, tuple)) else widget.decompress(value)
        return {
            f"{bound.html_name}{suffix}": sub.format_value(part) or ""
            for suffix, sub, part in zip(widget.widgets_names, widget.widgets, parts)
        }
    if isinstance(value, (list, tuple)):
        return {bound.html_name: [str(item) for item in value]}
    formatted = widget.format_value(value) if hasattr(widget, "format_value") else value
    if isinstance(formatted, list):  # a single <select> formats its value as a one-item list
        formatted = formatted[0] if formatted else ""
    return {bound.html_name: "" if formatted is None else formatted}


def admin_form_data(response) -> dict:
    """The change form's current values, inlines and management forms included."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        data.update(bound_field_data(form[name]))
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data.update(bound_field_data(formset.management_form[name]))
        for inline_form in formset.forms:
            for name in inline_form.fields:
                data.update(bound_field_data(inline_form[name]))
    return data
