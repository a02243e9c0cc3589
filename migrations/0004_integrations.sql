-- GitHub App installations and the inbound webhook log used to drop redelivered events.

CREATE TABLE github_installations (
  id text NOT NULL,
  workspace_id text NOT NULL,
  -- GitHub's own installation id
  installation_id bigint NOT NULL,
  account_login text NOT NULL,
  account_type text NOT NULL,
  status text NOT NULL DEFAULT 'active',
  -- installation access tokens last an hour; cached encrypted until they expire
  access_token_ciphertext text,
  access_token_expires_at timestamptz,
  suspended_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT github_installations_pkey PRIMARY KEY (id),
  CONSTRAINT github_installations_id_format CHECK (id ~ '^ghi_[0-9a-z]{24}$'),
  CONSTRAINT github_installations_workspace_fk FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE,
  CONSTRAINT github_installations_installation_id_unique UNIQUE (installation_id),
  CONSTRAINT github_installations_installation_id_positive CHECK (installation_id > 0),
  CONSTRAINT github_installations_account_login_length CHECK (length(account_login) BETWEEN 1 AND 100),
  CONSTRAINT github_installations_account_type_known CHECK (account_type IN ('User', 'Organization')),
  CONSTRAINT github_installations_status_known CHECK (status IN ('active', 'suspended', 'uninstalled')),
  CONSTRAINT github_installations_access_token_ciphertext_envelope
    CHECK (access_token_ciphertext ~ '^enc:v1:[0-9a-f]{16}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$')
);
CREATE INDEX github_installations_workspace_idx ON github_installations (workspace_id);
CREATE TRIGGER github_installations_touch_updated_at BEFORE UPDATE ON github_installations
  FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

CREATE TABLE webhook_deliveries (
  id text NOT NULL,
  provider text NOT NULL,
  -- the provider's delivery id (GitHub's X-GitHub-Delivery, Stripe's event id)
  delivery_id text NOT NULL,
  event text NOT NULL,
  status text NOT NULL DEFAULT 'received',
  error text,
  received_at timestamptz NOT NULL DEFAULT now(),
  processed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT webhook_deliveries_pkey PRIMARY KEY (id),
  CONSTRAINT webhook_deliveries_id_format CHECK (id ~ '^whd_[0-9a-z]{24}$'),
  CONSTRAINT webhook_deliveries_provider_known CHECK (provider IN ('github', 'stripe')),
  CONSTRAINT webhook_deliveries_delivery_id_length CHECK (length(delivery_id) BETWEEN 1 AND 255),
  CONSTRAINT webhook_deliveries_event_length CHECK (length(event) BETWEEN 1 AND 255),
  CONSTRAINT webhook_deliveries_status_known CHECK (status IN ('received', 'processed', 'failed', 'ignored')),
  -- a redelivered event hits this and is acknowledged without being processed twice
  CONSTRAINT webhook_deliveries_delivery_unique_per_provider UNIQUE (provider, delivery_id)
);
CREATE TRIGGER webhook_deliveries_touch_updated_at BEFORE UPDATE ON webhook_deliveries
  FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
