-- Who did it: queued work keeps the verified identity (the bearer token's sub) of the caller who
-- submitted it, so the rows a worker writes later name that caller rather than the service.

-- The caller who submitted the check; null for checks received before it was recorded.
ALTER TABLE credential_checks ADD COLUMN submitted_by text;

-- The caller who queued the run (StartSync, CreateIntegration), or 'system' for the nightly
-- schedule; null for runs queued before it was recorded.
ALTER TABLE sync_runs ADD COLUMN submitted_by text;

-- The verified identity of whoever approved or rejected the mitigation (for AUTOMATED mode: the
-- caller who submitted the check); actor keeps the display name the request gave.
ALTER TABLE mitigations ADD COLUMN actor_subject text NOT NULL DEFAULT '';
