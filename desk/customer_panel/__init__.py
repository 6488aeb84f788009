"""The customer panel beside a ticket: everything the desk knows about the person, so nobody
asks them again (UI.md, "Agent workspace"). `reads` gathers it in a fixed number of queries,
`merge` merges a suggested customer, `words` says it all in the agent's language."""

from __future__ import annotations

from desk.customer_panel.merge import (
    MergePreview,
    NoLongerSuggested,
    merge_confirm,
    merge_preview,
)
from desk.customer_panel.reads import CustomerPanel, customer_panel, todo_get_for_panel
from desk.customer_panel.words import customer_label, language_choices

__all__ = [
    "CustomerPanel",
    "MergePreview",
    "NoLongerSuggested",
    "customer_label",
    "customer_panel",
    "language_choices",
    "merge_confirm",
    "merge_preview",
    "todo_get_for_panel",
]
