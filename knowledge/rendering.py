"""Article bodies: Markdown rendered by markdown-it-py, then sanitised with nh3."""

from __future__ import annotations

import html
import re

import nh3
from markdown_it import MarkdownIt

# CommonMark plus tables and strikethrough; raw HTML in the source is escaped, not passed on.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(
    ["table", "strikethrough"]
)

_TAGS = {
    *("p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"),
    *("ul", "ol", "li", "strong", "em", "s", "del", "code", "pre", "a", "img"),
    *("table", "thead", "tbody", "tr", "th", "td"),
}
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "code": {"class"},
    "th": {"style"},
    "td": {"style"},
    "ol": {"start"},
}

# The two marks the search highlighter puts around a match: private-use characters that
# article text does not contain, so they survive escaping and are then turned into <mark>.
HIGHLIGHT_START = "\ue000"
HIGHLIGHT_STOP = "\ue001"


def markdown_render(source: str) -> str:
    """Return the sanitised HTML of a Markdown body."""
    rendered = _MARKDOWN.render(source or "")
    return nh3.clean(
        rendered,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        filter_style_properties={"text-align"},
        link_rel="noopener noreferrer nofollow",
    )


# Markdown punctuation a snippet of the source would otherwise show: emphasis, code ticks,
# heading hashes, table bars and rules.
_MARKUP = re.compile(r"\*\*|__|`+|(?m:^\s*#{1,6}\s)|:?-{3,}:?|\|")
_SPACES = re.compile(r"\s+")


def snippet_render(text: str) -> str:
    """Escape a highlighted snippet, keeping only the highlight marks as ``<mark>``.

    The snippet comes from the Markdown source, so its markup is dropped first: readers see
    the words, not the asterisks and table bars around them.
    """
    plain = _SPACES.sub(" ", _MARKUP.sub(" ", text or "")).strip()
    cleaned = plain.replace(HIGHLIGHT_START, "\0s").replace(HIGHLIGHT_STOP, "\0e")
    escaped = html.escape(cleaned, quote=True)
    return escaped.replace("\0s", "<mark>").replace("\0e", "</mark>").replace("\0", "")
