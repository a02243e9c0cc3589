-- A release's resolved variables, sealed as one envelope in a column of their own (crypto catalog:
-- deployments.variables_ciphertext), no longer one envelope per value inside config_snapshot, where a key rotation
-- walking the catalog would not find them. Rows written before keep theirs in config_snapshot and are read there.
ALTER TABLE deployments
  ADD COLUMN variables_ciphertext text,
  ADD CONSTRAINT deployments_variables_ciphertext_envelope
    CHECK (variables_ciphertext ~ '^enc:v1:[0-9a-f]{16}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$');
