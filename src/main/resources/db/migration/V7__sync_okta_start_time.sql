-- When Okta answered a run's first page, by Okta's clock (its Date header): the next incremental
-- sync lists users updated after this, minus a margin. The newest lastUpdated the run saw is not a
-- safe watermark: a user changed behind the cursor during a long run changed before it.
ALTER TABLE sync_runs ADD COLUMN okta_start_time timestamptz;
