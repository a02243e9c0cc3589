-- Delivery of the email outbox by the identity service's sender (services/identity/src/mail). A sender claims a due
-- row for a lease (claim_id, claimed_until: another sender skips it until the lease runs out, so a sender that dies
-- mid-send leaves it to the next one), sends it under its stable Message-ID, and marks it sent only while it still
-- holds the claim; the same statement replaces the link's token, so a sent row holds no live credential. A failed
-- try waits for next_attempt_at (a growing pause); after the last allowed try, or once the mail is too old to be of
-- use, the row is dead-lettered (dead_at) with the reason in last_error, and kept for people to look at. Rows queued
-- before this file are due at once.
ALTER TABLE email_outbox
  -- the one link the email is about (verify, reset, accept): the HTML button and the development console line
  ADD COLUMN link text,
  ADD COLUMN message_id text,
  ADD COLUMN attempts integer NOT NULL DEFAULT 0,
  ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN claim_id text,
  ADD COLUMN claimed_until timestamptz,
  ADD COLUMN last_error text,
  ADD COLUMN dead_at timestamptz;

ALTER TABLE email_outbox
  ADD CONSTRAINT email_outbox_attempts_nonnegative CHECK (attempts >= 0),
  ADD CONSTRAINT email_outbox_sent_or_dead CHECK (sent_at IS NULL OR dead_at IS NULL),
  ADD CONSTRAINT email_outbox_claim_whole CHECK ((claim_id IS NULL) = (claimed_until IS NULL)),
  ADD CONSTRAINT email_outbox_message_id_unique UNIQUE (message_id);

-- the sender reads the due rows, oldest first
DROP INDEX email_outbox_unsent_idx;
CREATE INDEX email_outbox_due_idx ON email_outbox (next_attempt_at, created_at) WHERE sent_at IS NULL AND dead_at IS NULL;
