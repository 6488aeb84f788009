"""The customer portal at /support/: customers sign in by a single-use emailed link and see
their own requests from every channel (docs/architecture.md, "The customer portal")."""
