-- Single-use tokens mailed to or handed to a person: email verification, password reset, and the short-lived
-- challenge between a correct password and the second factor. Only a hash is kept; the token itself is in the
-- email (see email_outbox) or the response that created it.

CREATE TABLE user_tokens (
  token_hash text NOT NULL,
  user_id text NOT NULL,
  purpose text NOT NULL,
  expires_at timestamptz NOT NULL,
  -- set when the token is spent: a token works once
  used_at timestamptz,
  -- wrong second factors against an MFA challenge; the challenge dies after a few
  attempts integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT user_tokens_pkey PRIMARY KEY (token_hash),
  CONSTRAINT user_tokens_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT user_tokens_purpose_known CHECK (purpose IN ('verify_email', 'reset_password', 'mfa_challenge')),
  CONSTRAINT user_tokens_attempts_non_negative CHECK (attempts >= 0)
);
CREATE INDEX user_tokens_user_idx ON user_tokens (user_id, purpose);

-- One-time recovery codes for a lost authenticator, hashed; each works once.
CREATE TABLE mfa_recovery_codes (
  user_id text NOT NULL,
  code_hash text NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT mfa_recovery_codes_pkey PRIMARY KEY (user_id, code_hash),
  CONSTRAINT mfa_recovery_codes_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
