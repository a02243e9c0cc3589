-- API tokens for CI and machines, and the audit log of who did what.

CREATE TABLE api_tokens (
  id text NOT NULL,
  workspace_id text NOT NULL,
  -- null: the token acts across the whole workspace
  project_id text,
  name text NOT NULL,
  -- only a hash is kept; the token itself is shown once
  token_hash text NOT NULL,
  -- the first characters of the token, shown in lists so people can tell tokens apart
  token_prefix text NOT NULL,
  scopes text[] NOT NULL,
  created_by text,
  expires_at timestamptz,
  last_used_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT api_tokens_pkey PRIMARY KEY (id),
  CONSTRAINT api_tokens_id_format CHECK (id ~ '^tok_[0-9a-z]{24}$'),
  CONSTRAINT api_tokens_workspace_fk FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE,
  -- a project token is only ever for a project of its own workspace
  CONSTRAINT api_tokens_project_fk FOREIGN KEY (workspace_id, project_id)
    REFERENCES projects (workspace_id, id) ON DELETE CASCADE,
  CONSTRAINT api_tokens_name_length CHECK (length(name) BETWEEN 1 AND 100),
  CONSTRAINT api_tokens_token_hash_unique UNIQUE (token_hash),
  CONSTRAINT api_tokens_token_prefix_length CHECK (length(token_prefix) BETWEEN 4 AND 16),
  CONSTRAINT api_tokens_scopes_non_empty CHECK (cardinality(scopes) > 0 AND array_position(scopes, NULL) IS NULL),
  -- tokens keep working when the person who made them leaves
  CONSTRAINT api_tokens_created_by_fk FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX api_tokens_workspace_idx ON api_tokens (workspace_id);
CREATE INDEX api_tokens_project_idx ON api_tokens (project_id);
CREATE TRIGGER api_tokens_touch_updated_at BEFORE UPDATE ON api_tokens FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

CREATE TABLE audit_log (
  id text NOT NULL,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  -- no foreign keys: entries outlive the workspace, actor and target they describe
  workspace_id text,
  actor_type text NOT NULL,
  -- a user, token or service account id; a pseudonym once the actor has been erased; null for the system
  actor_id text,
  action text NOT NULL,
  target_type text,
  target_id text,
  ip inet,
  user_agent text,
  outcome text NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT audit_log_pkey PRIMARY KEY (id),
  CONSTRAINT audit_log_id_format CHECK (id ~ '^aud_[0-9a-z]{24}$'),
  CONSTRAINT audit_log_workspace_id_format CHECK (workspace_id ~ '^wsp_[0-9a-z]{24}$'),
  CONSTRAINT audit_log_actor_type_known CHECK (actor_type IN ('user', 'api_token', 'service_account', 'system')),
  -- e.g. service.create, deployment.rollback
  CONSTRAINT audit_log_action_shape CHECK (length(action) <= 100 AND action ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$'),
  CONSTRAINT audit_log_outcome_known CHECK (outcome IN ('success', 'denied', 'failed')),
  CONSTRAINT audit_log_metadata_object CHECK (jsonb_typeof(metadata) = 'object')
);
CREATE INDEX audit_log_workspace_idx ON audit_log (workspace_id, occurred_at);
-- GDPR erasure finds an actor's entries to pseudonymise
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id);
CREATE INDEX audit_log_target_idx ON audit_log (target_type, target_id, occurred_at);

-- The audit log is append-only. The one change allowed is GDPR erasure: replacing actor_id with a pseudonym
-- (pseudonym_<0-9a-z>) and clearing ip and user_agent, with every other column left as it was.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE'
    AND (to_jsonb(NEW) - 'actor_id' - 'ip' - 'user_agent') = (to_jsonb(OLD) - 'actor_id' - 'ip' - 'user_agent')
    AND (NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id OR NEW.actor_id ~ '^pseudonym_[0-9a-z]+$')
    AND (NEW.ip IS NOT DISTINCT FROM OLD.ip OR NEW.ip IS NULL)
    AND (NEW.user_agent IS NOT DISTINCT FROM OLD.user_agent OR NEW.user_agent IS NULL)
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: % is refused', TG_OP USING
    ERRCODE = 'integrity_constraint_violation',
    CONSTRAINT = 'audit_log_append_only',
    TABLE = 'audit_log',
    HINT = 'The only change allowed is pseudonymising actor_id (pseudonym_<0-9a-z>) and clearing ip and user_agent.';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
