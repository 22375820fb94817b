-- Accounts never suspended without a person's approval (issue 16.3): the integration names protected
-- Okta groups and logins; every sync reads those groups' members (and, where the app may read admin
-- role assignments, the org's admins) into protected_accounts, replacing the tenant's rows.
ALTER TABLE integrations
    ADD COLUMN protected_group_ids text[] NOT NULL DEFAULT '{}',
    ADD COLUMN protected_logins    text[] NOT NULL DEFAULT '{}';

CREATE TABLE protected_accounts (
    tenant_id     text        NOT NULL REFERENCES integrations (tenant_id) ON DELETE CASCADE,
    okta_user_id  text        NOT NULL,
    -- why, for people: "member of protected group 00g...", "holds an Okta admin role"
    reasons       text        NOT NULL,
    read_time     timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, okta_user_id)
);

-- Why a mitigation the integration's mode would apply at once waits for approval; empty otherwise.
ALTER TABLE mitigations ADD COLUMN approval_reason text NOT NULL DEFAULT '';
