"""Operating the dashboard: /healthz, /readyz, /metrics, request ids in logs and tasks, Sentry.

It reads every app's tables for its figures (a sync's age, the webhook backlog, import rows), so
it stands on top of the layers beside review; nothing imports it but the project's URLs and
settings (docs/deploy.md says how it is run and watched)."""
