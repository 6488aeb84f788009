"""The managers' figures: response times, SLA compliance, backlog, volume and satisfaction,
computed in PostgreSQL for a date range in the organisation's time zone."""
