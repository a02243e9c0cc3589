-- GDPR erasure must also reach entries about a person, not only those by them (a member removed, a role changed):
-- the one change the audit log allows now also covers replacing target_id with a pseudonym. Everything else about an
-- entry stays as it was written.
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE'
    AND (to_jsonb(NEW) - 'actor_id' - 'target_id' - 'ip' - 'user_agent')
      = (to_jsonb(OLD) - 'actor_id' - 'target_id' - 'ip' - 'user_agent')
    AND (NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id OR NEW.actor_id ~ '^pseudonym_[0-9a-z]+$')
    AND (NEW.target_id IS NOT DISTINCT FROM OLD.target_id OR NEW.target_id ~ '^pseudonym_[0-9a-z]+$')
    AND (NEW.ip IS NOT DISTINCT FROM OLD.ip OR NEW.ip IS NULL)
    AND (NEW.user_agent IS NOT DISTINCT FROM OLD.user_agent OR NEW.user_agent IS NULL)
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: % is refused', TG_OP USING
    ERRCODE = 'integrity_constraint_violation',
    CONSTRAINT = 'audit_log_append_only',
    TABLE = 'audit_log',
    HINT = 'The only change allowed is pseudonymising actor_id and target_id (pseudonym_<0-9a-z>) and clearing ip and user_agent.';
END
$$;
