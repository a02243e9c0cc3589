-- The last TOTP time step (unix seconds / 30) accepted for a user: a code is accepted only for a newer step, so a
-- code already used (sign-in, MFA confirmation or change) cannot be replayed within its 30-second window. Claimed by
-- a conditional UPDATE, so two concurrent uses of one code cannot both pass.
ALTER TABLE users ADD COLUMN totp_last_step bigint;
ALTER TABLE users ADD CONSTRAINT users_totp_last_step_positive CHECK (totp_last_step > 0);
