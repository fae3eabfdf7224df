"""``{% timeline result %}``: the timeline of a search result, on any page that has one."""

from django import template

from search.timeline import search_timeline

register = template.Library()


@register.inclusion_tag("search/_timeline.html")
def timeline(result):
    return {"timeline": search_timeline(result)}
