"""``{{ entity|shown_name }}``: a country, organisation or operation named in the reader's language."""

from django import template

from articles.tag_kinds import tag_kind_of

register = template.Library()


@register.filter
def shown_name(entity) -> str:
    return tag_kind_of(entity).name_of(entity)
