-- Emails waiting to be sent. The identity service writes a row in the same transaction as what the email is about;
-- a later email integration sends them and sets sent_at.

CREATE TABLE email_outbox (
  id text NOT NULL,
  to_address text NOT NULL,
  -- which email this is, e.g. verify_email, reset_password, invitation
  template text NOT NULL,
  subject text NOT NULL,
  body text NOT NULL,
  -- the person it concerns, when there is an account; their emails go with it
  user_id text,
  sent_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT email_outbox_pkey PRIMARY KEY (id),
  CONSTRAINT email_outbox_id_format CHECK (id ~ '^eml_[0-9a-z]{24}$'),
  CONSTRAINT email_outbox_to_address_shape
    CHECK (length(to_address) <= 254 AND to_address ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'),
  CONSTRAINT email_outbox_template_shape CHECK (template ~ '^[a-z][a-z_]{0,62}$'),
  CONSTRAINT email_outbox_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
-- the sender reads unsent mail oldest first
CREATE INDEX email_outbox_unsent_idx ON email_outbox (created_at) WHERE sent_at IS NULL;
CREATE INDEX email_outbox_to_idx ON email_outbox (lower(to_address));
