"""Template filters for the portal's one date and time style (see ``core.formatting``)."""

from django import template

from core import formatting

register = template.Library()

register.filter("date_long", formatting.date_long)
register.filter("date_short", formatting.date_short)
register.filter("time_short", formatting.time_short)
register.filter("datetime_long", formatting.datetime_long)
