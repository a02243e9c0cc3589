-- Service accounts: non-human members of a workspace (CI, bots) that act only through their API tokens.

CREATE TABLE service_accounts (
  id text NOT NULL,
  workspace_id text NOT NULL,
  name text NOT NULL,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT service_accounts_pkey PRIMARY KEY (id),
  CONSTRAINT service_accounts_id_format CHECK (id ~ '^sac_[0-9a-z]{24}$'),
  CONSTRAINT service_accounts_workspace_fk FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE,
  CONSTRAINT service_accounts_name_length CHECK (length(name) BETWEEN 1 AND 100),
  CONSTRAINT service_accounts_name_unique_per_workspace UNIQUE (workspace_id, name),
  -- tokens reference (workspace_id, id), so a token can never belong to another workspace's account
  CONSTRAINT service_accounts_tenant_key_unique UNIQUE (workspace_id, id),
  CONSTRAINT service_accounts_created_by_fk FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE SET NULL
);
CREATE TRIGGER service_accounts_touch_updated_at BEFORE UPDATE ON service_accounts
  FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- A token either belongs to a person (service_account_id null) or to a service account of its own workspace;
-- deleting the account deletes its tokens.
ALTER TABLE api_tokens ADD COLUMN service_account_id text;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_service_account_fk FOREIGN KEY (workspace_id, service_account_id)
  REFERENCES service_accounts (workspace_id, id) ON DELETE CASCADE;
CREATE INDEX api_tokens_service_account_idx ON api_tokens (service_account_id);
CREATE INDEX api_tokens_created_by_idx ON api_tokens (created_by);
