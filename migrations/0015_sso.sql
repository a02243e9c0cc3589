-- OIDC single sign-on: which external identity (issuer + subject) is which user, and the short-lived state of a
-- sign-in between the redirect to the issuer and its callback.

CREATE TABLE sso_identities (
  issuer text NOT NULL,
  subject text NOT NULL,
  user_id text NOT NULL,
  email text,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT sso_identities_pkey PRIMARY KEY (issuer, subject),
  CONSTRAINT sso_identities_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX sso_identities_user_idx ON sso_identities (user_id);

CREATE TABLE sso_states (
  -- a hash of the state parameter sent to the issuer
  state_hash text NOT NULL,
  provider text NOT NULL,
  nonce text NOT NULL,
  -- the PKCE verifier; it never leaves the identity service
  code_verifier text NOT NULL,
  redirect_uri text NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT sso_states_pkey PRIMARY KEY (state_hash)
);
