-- Idempotent mitigation: what each action did in Okta, and a state for a mitigation Okta could
-- only partly apply (sessions cleared, but the user's status forbids a suspension).

ALTER TABLE mitigations DROP CONSTRAINT mitigations_state_check;
ALTER TABLE mitigations ADD CONSTRAINT mitigations_state_check
    CHECK (state IN ('PENDING_APPROVAL', 'APPLIED', 'PARTIALLY_APPLIED', 'FAILED', 'REJECTED'));

-- one object per action, in order: {action, outcome, detail, okta_request_id}; never a secret
ALTER TABLE mitigations ADD COLUMN action_results jsonb NOT NULL DEFAULT '[]';
