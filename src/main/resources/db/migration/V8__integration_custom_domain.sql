-- A customer may type their org's custom URL domain as the Okta domain. okta_domain keeps the org
-- URL every Okta call goes to (the canonical org URL the custom domain was verified to resolve to);
-- custom_domain keeps what the customer typed, https://<host>, or '' when they typed the org URL.
ALTER TABLE integrations ADD COLUMN custom_domain text NOT NULL DEFAULT '';
