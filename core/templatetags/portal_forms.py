"""What the error summary at the top of a refused form lists: each error, linked to its field."""

from dataclasses import dataclass

from django import forms, template
from django.utils.translation import gettext as _

register = template.Library()

# Widgets drawn as a group of inputs: the summary links to the first one, the only id a label can name.
GROUP_WIDGETS = ("radioselect", "checkboxselectmultiple")


@dataclass(frozen=True)
class SummaryItem:
    text: str
    anchor: str = ""


def field_anchor(bound_field: forms.BoundField) -> str:
    """The id of the input a person should land on to correct ``bound_field``."""
    if not bound_field.auto_id:
        return ""
    if bound_field.widget_type in GROUP_WIDGETS:
        return f"{bound_field.auto_id}_0"
    return bound_field.id_for_label or bound_field.auto_id


def _generic_messages() -> set[str]:
    # Messages that do not say which field they are about once taken out of it.
    return {str(forms.Field.default_error_messages["required"])}


@register.simple_tag
def error_summary_items(form: forms.BaseForm | None) -> list[SummaryItem]:
    """The errors of ``form``: those of the whole form first, then each field's in the form's order.

    An error of a visible field links to its input; a generic one (Django's « Ce champ est
    obligatoire. ») is prefixed with the field's label so that it still says what is missing.
    """
    if form is None or not getattr(form, "errors", None):
        return []
    generic = _generic_messages()
    items = [SummaryItem(text=str(error)) for error in form.non_field_errors()]
    for bound_field in form:
        for error in bound_field.errors:
            text = str(error)
            if bound_field.is_hidden:
                items.append(SummaryItem(text=text))
                continue
            if text in generic:
                text = _("%(label)s : %(message)s") % {"label": bound_field.label, "message": text}
            items.append(SummaryItem(text=text, anchor=field_anchor(bound_field)))
    return items
