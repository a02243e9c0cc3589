-- Identity: people, their sessions, workspaces and who belongs to them.
-- Ids are made by the application (`<prefix>_<24 of [0-9a-z]>`, packages/domain/src/Ids.ts); each id column checks its prefix.

-- Keeps updated_at honest on every mutable table; an UPDATE that sets updated_at itself keeps its value.
CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
    NEW.updated_at := now();
  END IF;
  RETURN NEW;
END
$$;

CREATE TABLE users (
  id text NOT NULL,
  email text NOT NULL,
  name text NOT NULL,
  -- null for a user who signs in only through SSO
  password_hash text,
  email_verified_at timestamptz,
  totp_secret_ciphertext text,
  mfa_enabled_at timestamptz,
  status text NOT NULL DEFAULT 'active',
  deleted_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_pkey PRIMARY KEY (id),
  CONSTRAINT users_id_format CHECK (id ~ '^usr_[0-9a-z]{24}$'),
  CONSTRAINT users_email_shape CHECK (length(email) <= 254 AND email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'),
  CONSTRAINT users_name_length CHECK (length(name) <= 100),
  CONSTRAINT users_totp_secret_ciphertext_envelope
    CHECK (totp_secret_ciphertext ~ '^enc:v1:[0-9a-f]{16}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$'),
  CONSTRAINT users_mfa_needs_totp_secret CHECK (mfa_enabled_at IS NULL OR totp_secret_ciphertext IS NOT NULL),
  CONSTRAINT users_status_known CHECK (status IN ('active', 'disabled', 'deleted')),
  CONSTRAINT users_deleted_has_deleted_at CHECK (status <> 'deleted' OR deleted_at IS NOT NULL)
);
-- One account per address whatever its case.
CREATE UNIQUE INDEX users_email_unique ON users (lower(email));
CREATE TRIGGER users_touch_updated_at BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

CREATE TABLE sessions (
  id text NOT NULL,
  user_id text NOT NULL,
  -- the id of the session that started this chain of rotated refresh tokens: reuse of a rotated token revokes the family
  family_id text NOT NULL,
  refresh_token_hash text NOT NULL,
  user_agent text,
  ip inet,
  last_used_at timestamptz,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  revoked_reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT sessions_pkey PRIMARY KEY (id),
  CONSTRAINT sessions_id_format CHECK (id ~ '^ses_[0-9a-z]{24}$'),
  CONSTRAINT sessions_family_id_format CHECK (family_id ~ '^ses_[0-9a-z]{24}$'),
  -- sessions die with their user (GDPR erasure, account deletion)
  CONSTRAINT sessions_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT sessions_refresh_token_hash_unique UNIQUE (refresh_token_hash),
  CONSTRAINT sessions_revoked_reason_needs_revoked_at CHECK (revoked_reason IS NULL OR revoked_at IS NOT NULL)
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_family_idx ON sessions (family_id);
CREATE TRIGGER sessions_touch_updated_at BEFORE UPDATE ON sessions FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

CREATE TABLE workspaces (
  id text NOT NULL,
  -- shown to people; the slug is what URLs and labels use
  name text NOT NULL,
  slug text NOT NULL,
  plan text NOT NULL DEFAULT 'hobby',
  created_by text,
  deleted_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT workspaces_pkey PRIMARY KEY (id),
  CONSTRAINT workspaces_id_format CHECK (id ~ '^wsp_[0-9a-z]{24}$'),
  CONSTRAINT workspaces_name_trimmed CHECK (name = btrim(name) AND length(name) BETWEEN 1 AND 64),
  CONSTRAINT workspaces_slug_rfc1123 CHECK (slug ~ '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$'),
  CONSTRAINT workspaces_slug_unique UNIQUE (slug),
  CONSTRAINT workspaces_plan_known CHECK (plan IN ('hobby', 'pro', 'team', 'enterprise')),
  -- a workspace outlives the account that created it
  CONSTRAINT workspaces_created_by_fk FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE SET NULL
);
CREATE TRIGGER workspaces_touch_updated_at BEFORE UPDATE ON workspaces FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

CREATE TABLE workspace_members (
  workspace_id text NOT NULL,
  user_id text NOT NULL,
  role text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT workspace_members_pkey PRIMARY KEY (workspace_id, user_id),
  CONSTRAINT workspace_members_workspace_fk FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE,
  CONSTRAINT workspace_members_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT workspace_members_role_known CHECK (role IN ('owner', 'admin', 'developer', 'viewer'))
);
-- "which workspaces is this user in": the primary key leads with workspace_id
CREATE INDEX workspace_members_user_idx ON workspace_members (user_id);
CREATE TRIGGER workspace_members_touch_updated_at BEFORE UPDATE ON workspace_members
  FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
