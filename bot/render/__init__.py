"""Presenting a `Report`: plain text for terminals, JSON for machines, Block Kit for Slack."""

SEVERITY_WORDS = {
    "transient": "Transient",
    "action_required": "Action required",
    "info": "Info",
}
