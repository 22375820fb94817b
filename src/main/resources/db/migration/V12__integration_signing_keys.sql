-- Every integration signs its Okta client assertions with a key pair of its own, published at its
-- own JWKS URL (/.well-known/jwks/{jwks_id}.json): the URL the customer's Okta admin registers on
-- the service app. No key that signs for one integration is served at any other URL, so a tenant
-- naming another customer's Okta app gets no token from it.
ALTER TABLE integrations ADD COLUMN jwks_id uuid NOT NULL DEFAULT gen_random_uuid();
CREATE UNIQUE INDEX integrations_jwks_id ON integrations (jwks_id);

-- One Okta app (org and client id) belongs to at most one tenant. okta_domain is the org's
-- canonical URL (a custom domain is stored resolved), so no alias of the org gets around it.
CREATE UNIQUE INDEX integrations_okta_app ON integrations (lower(okta_domain), client_id) WHERE kind = 'OKTA';

-- TestIntegration runs at most once per interval per tenant, whichever replica answers.
ALTER TABLE integrations ADD COLUMN last_test_time timestamptz;

-- The keys, private halves sealed (AES-256-GCM, key derived from IEM_SIGNING_KEY_FILE, bound to
-- the tenant and key id). A key is published from create_time, signs from sign_time (a rotation's
-- new key once Okta's JWKS cache has surely seen it) and is published until retire_time.
CREATE TABLE integration_signing_keys (
    integration_id  uuid        NOT NULL REFERENCES integrations (integration_id) ON DELETE CASCADE,
    tenant_id       text        NOT NULL,
    key_id          text        NOT NULL,
    public_jwk      text        NOT NULL,
    private_sealed  bytea       NOT NULL,
    create_time     timestamptz NOT NULL,
    sign_time       timestamptz NOT NULL,
    retire_time     timestamptz,
    PRIMARY KEY (integration_id, key_id)
);
CREATE INDEX integration_signing_keys_tenant ON integration_signing_keys (tenant_id);
