"""Rendering of the centre's staff-written texts, and the footer's accessibility state."""

import re

from django import template
from django.utils.html import format_html, format_html_join, urlize
from django.utils.safestring import SafeString, mark_safe

from centre.selectors import footer_accessibility_state

register = template.Library()

_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_LIST_ITEM = re.compile(r"^[-–•]\s+")


def _inline(line: str) -> SafeString:
    # urlize escapes everything that is not an address it turns into a link.
    return mark_safe(urlize(line, autoescape=True))


def _block(lines: list[str]) -> SafeString:
    """Consecutive list items make one list; the other lines one paragraph, line breaks kept."""
    parts: list[str] = []
    run: list[str] = []
    in_list = False

    def flush():
        if not run:
            return
        if in_list:
            parts.append(format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((_inline(x),) for x in run))))
        else:
            parts.append(format_html("<p>{}</p>", mark_safe("<br>".join(_inline(x) for x in run))))
        run.clear()

    for line in lines:
        is_item = bool(_LIST_ITEM.match(line))
        if is_item != in_list:
            flush()
            in_list = is_item
        run.append(_LIST_ITEM.sub("", line) if is_item else line)
    flush()
    return mark_safe("".join(parts))


@register.filter
def plain_text(value: str) -> SafeString:
    """Paragraphs and lists from plain text: a blank line between paragraphs, « - » before an item.

    Markup typed in the text is shown as typed, never interpreted.
    """
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return mark_safe("")
    blocks = []
    for chunk in _BLANK_LINE.split(text):
        lines = [line.strip() for line in chunk.split("\n") if line.strip()]
        if lines:
            blocks.append(_block(lines))
    return mark_safe("\n".join(blocks))


@register.simple_tag
def accessibility_state() -> str:
    """« partiellement conforme »: what the footer says, read without a query."""
    return footer_accessibility_state()
