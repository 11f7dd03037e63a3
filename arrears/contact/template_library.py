"""The only tags and filters a message template may use (the sandbox's builtins).

No ``load``, ``include``, ``extends``, ``url``, ``debug``, ``now`` or ``safe``: a template sees only the
prepared context and cannot reach other templates, the clock, or mark text as safe HTML.
"""

from django.template import Library, defaultfilters, defaulttags

register = Library()

SAFE_TAGS = ("if", "for", "with", "firstof", "spaceless", "comment", "cycle", "ifchanged", "filter")
SAFE_FILTERS = (
    "capfirst", "cut", "date", "default", "default_if_none", "first", "floatformat", "join", "last",
    "length", "linebreaks", "linebreaksbr", "lower", "pluralize", "slice", "striptags", "title",
    "truncatechars", "truncatewords", "upper", "urlencode", "wordwrap", "yesno",
)  # fmt: skip

for _name in SAFE_TAGS:
    register.tags[_name] = defaulttags.register.tags[_name]
for _name in SAFE_FILTERS:
    register.filters[_name] = defaultfilters.register.filters[_name]
