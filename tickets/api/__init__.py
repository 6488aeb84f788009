"""REST API of the tickets app, one module per resource (wired in `helpdesk.api_urls`).

- `tickets` — tickets: list, detail, create, edit, timeline, merge, log a call on one
- `messages` — a ticket's messages: list, reply or note, move / split off
- `teams`, `attachments` (the sandboxed download)
- `calls` — a call logged from a phone number, and a ticket's to-dos
- `sla` — SLA policies and business calendars; `notifications` — in-app notifications
- `customer_merges` — merging customers and merge suggestions (they write timeline events,
  so they live here, not in `customers`, which imports no other app)
- `serializers` — the output serializers the modules share; `pagination` likewise.

Services' refusals (`helpdesk.errors.DomainError`) are answered by the one exception
handler in `helpdesk.api_errors`, so views call services directly.
"""
