"""Outbox, message templates, reply parsing, delivery and escalation (see ARCHITECTURE.md)."""
