-- Beyond one Postgres: every primary key, unique constraint and foreign key of a tenant's table
-- leads with tenant_id, so each table can be distributed by tenant_id (Citus) as it stands: a
-- unique or foreign key that holds on one shard holds everywhere. TenantKeysTest reads the catalog.
--
-- What must be unique across tenants lives in one small global table, integration_directory (a
-- Citus reference table): the JWKS id the public URL names, and the Okta app (org and client id)
-- that serves at most one tenant (issue 13).

-- Foreign keys first: they depend on the primary keys they reference.
ALTER TABLE identifiers DROP CONSTRAINT identifiers_identity_id_fkey;
ALTER TABLE tested_passwords DROP CONSTRAINT tested_passwords_identity_id_fkey;
ALTER TABLE credential_checks DROP CONSTRAINT credential_checks_identity_id_fkey;
ALTER TABLE mitigations DROP CONSTRAINT mitigations_identity_id_fkey;
-- a mitigation outlives its check: decided checks are deleted after IEM_RETENTION_CHECK_DAYS (V14)
ALTER TABLE mitigations DROP CONSTRAINT mitigations_check_id_fkey;
ALTER TABLE integration_signing_keys DROP CONSTRAINT integration_signing_keys_integration_id_fkey;

-- Primary keys.
ALTER TABLE integrations DROP CONSTRAINT integrations_pkey,
    ADD PRIMARY KEY (tenant_id, integration_id);
ALTER TABLE integration_signing_keys DROP CONSTRAINT integration_signing_keys_pkey,
    ADD PRIMARY KEY (tenant_id, integration_id, key_id);
DROP INDEX integration_signing_keys_tenant;
ALTER TABLE identities DROP CONSTRAINT identities_pkey,
    ADD PRIMARY KEY (tenant_id, identity_id);
ALTER TABLE sync_runs DROP CONSTRAINT sync_runs_pkey,
    ADD PRIMARY KEY (tenant_id, sync_run_id);
ALTER TABLE credential_checks DROP CONSTRAINT credential_checks_pkey,
    ADD PRIMARY KEY (tenant_id, check_id);
ALTER TABLE authn_attempts DROP CONSTRAINT authn_attempts_pkey,
    ADD PRIMARY KEY (tenant_id, attempt_id);
ALTER TABLE tested_passwords DROP CONSTRAINT tested_passwords_pkey,
    ADD PRIMARY KEY (tenant_id, identity_id, password_fingerprint);
ALTER TABLE mitigations DROP CONSTRAINT mitigations_pkey,
    ADD PRIMARY KEY (tenant_id, mitigation_id);
ALTER TABLE mitigations DROP CONSTRAINT mitigations_check_id_key,
    ADD CONSTRAINT mitigations_check_id_key UNIQUE (tenant_id, check_id);

-- Foreign keys again, within the tenant. SET NULL clears the identity only, never the tenant.
ALTER TABLE integration_signing_keys ADD CONSTRAINT integration_signing_keys_integration_fkey
    FOREIGN KEY (tenant_id, integration_id) REFERENCES integrations (tenant_id, integration_id) ON DELETE CASCADE;
ALTER TABLE identifiers ADD CONSTRAINT identifiers_identity_fkey
    FOREIGN KEY (tenant_id, identity_id) REFERENCES identities (tenant_id, identity_id) ON DELETE CASCADE;
ALTER TABLE tested_passwords ADD CONSTRAINT tested_passwords_identity_fkey
    FOREIGN KEY (tenant_id, identity_id) REFERENCES identities (tenant_id, identity_id) ON DELETE CASCADE;
ALTER TABLE credential_checks ADD CONSTRAINT credential_checks_identity_fkey
    FOREIGN KEY (tenant_id, identity_id) REFERENCES identities (tenant_id, identity_id) ON DELETE SET NULL (identity_id);
ALTER TABLE mitigations ADD CONSTRAINT mitigations_identity_fkey
    FOREIGN KEY (tenant_id, identity_id) REFERENCES identities (tenant_id, identity_id) ON DELETE SET NULL (identity_id);

-- Secondary indexes the tenant-scoped queries now use.
DROP INDEX identifiers_identity;
CREATE INDEX identifiers_identity ON identifiers (tenant_id, identity_id);
DROP INDEX credential_checks_open_password;
CREATE INDEX credential_checks_open_password ON credential_checks (tenant_id, identity_id, password_fingerprint)
    WHERE decide_time IS NULL;
CREATE INDEX authn_attempts_check ON authn_attempts (tenant_id, check_id);

-- The identifier plan (an unlogged work table, empty between transactions) carries its tenant.
DROP TABLE identifier_plans;
CREATE UNLOGGED TABLE identifier_plans (
    tenant_id    text    NOT NULL,
    sync_run_id  uuid    NOT NULL,
    value        text    NOT NULL,
    kind         text    NOT NULL,
    identity_id  uuid    NOT NULL,
    within_cap   boolean NOT NULL
);
CREATE INDEX identifier_plans_value ON identifier_plans (tenant_id, sync_run_id, value);
CREATE INDEX identifier_plans_identity ON identifier_plans (tenant_id, sync_run_id, identity_id) WHERE NOT within_cap;

-- The global directory of integrations: one row per integration, written in the same transaction
-- as the integration. The public JWKS URL names jwks_id without a tenant; an Okta app (org URL,
-- case-insensitive, and client id) serves at most one tenant. On Citus: a reference table.
CREATE TABLE integration_directory (
    jwks_id      uuid PRIMARY KEY,
    tenant_id    text NOT NULL,
    -- the Okta app an OKTA integration signs in with; null for other kinds
    okta_domain  text,
    client_id    text
);
CREATE UNIQUE INDEX integration_directory_okta_app ON integration_directory (lower(okta_domain), client_id)
    WHERE okta_domain IS NOT NULL;
INSERT INTO integration_directory (jwks_id, tenant_id, okta_domain, client_id)
SELECT jwks_id, tenant_id, CASE WHEN kind = 'OKTA' THEN okta_domain END, CASE WHEN kind = 'OKTA' THEN client_id END
FROM integrations;
DROP INDEX integrations_jwks_id;
DROP INDEX integrations_okta_app;
