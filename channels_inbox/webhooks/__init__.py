"""Webhook views of the channels, one module per provider (Meta, Twilio)."""
