-- Device-code sign-in (RFC 8628) for the CLI: a device asks for a code pair, a signed-in person approves the short
-- user code in a browser, and the device's polling then receives a session. Only hashes of both codes are kept.

CREATE TABLE device_codes (
  device_code_hash text NOT NULL,
  user_code_hash text NOT NULL,
  -- pending until a person approves or denies; spent once the device has received its session (one-time use)
  status text NOT NULL DEFAULT 'pending',
  -- the person who approved or denied
  user_id text,
  -- who asked for the code, shown to the person approving it
  client_name text,
  user_agent text,
  ip inet,
  -- seconds the device must wait between polls; grows by 5 each time it polls too fast (slow_down)
  interval_seconds integer NOT NULL,
  last_polled_at timestamptz,
  expires_at timestamptz NOT NULL,
  decided_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT device_codes_pkey PRIMARY KEY (device_code_hash),
  CONSTRAINT device_codes_user_code_hash_unique UNIQUE (user_code_hash),
  CONSTRAINT device_codes_status_known CHECK (status IN ('pending', 'approved', 'denied', 'spent')),
  CONSTRAINT device_codes_decided_by_someone CHECK (status = 'pending' OR user_id IS NOT NULL),
  CONSTRAINT device_codes_interval_positive CHECK (interval_seconds > 0),
  CONSTRAINT device_codes_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX device_codes_expires_idx ON device_codes (expires_at);
