"""The account page's keyboard shortcuts: one list, read by the page (to document them) and, through the
``data-shortcut`` attributes it renders, by ``static/workbench/shortcuts.js`` (to act on them)."""

from __future__ import annotations

from typing import NamedTuple


class Shortcut(NamedTuple):
    key: str
    target: str  # the id of the element the key opens or focuses
    does: str


SHORTCUTS: tuple[Shortcut, ...] = (
    Shortcut("c", "call-panel", "Log a call"),
    Shortcut("p", "promise-form", "Record a promise"),
    Shortcut("l", "plan-form", "Set up a payment plan"),
    Shortcut("s", "settlement-form", "Propose a settlement"),
    Shortcut("y", "payment-form", "Post a payment"),
    Shortcut("m", "message-panel", "Send a message from a template"),
    Shortcut("h", "holds-panel", "Place a hold or record a dispute"),
    Shortcut("n", "note-body", "Add a note"),
    Shortcut("d", "documents", "Upload a document"),
    Shortcut("?", "shortcuts", "Show these shortcuts"),
)
