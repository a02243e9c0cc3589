-- The builds service is told at once when a deployment starts or stops waiting for its build, rather than finding
-- out at its next poll: PostgreSQL notifies channel `starform_deployments_building` with the deployment's id when the
-- change commits (a rolled-back change notifies nobody). The builds service LISTENs and runs a pass; its slower poll
-- stays the safety net, so a notification missed while it was not listening only delays the build.

CREATE FUNCTION deployments_notify_building() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('starform_deployments_building', NEW.id);
  RETURN NULL;
END;
$$;

-- a deployment made waiting for its build (the projects service inserts it queued, then moves it)
CREATE TRIGGER deployments_wake_builds_on_insert AFTER INSERT ON deployments
  FOR EACH ROW WHEN (NEW.status = 'building') EXECUTE FUNCTION deployments_notify_building();

-- one that starts waiting, or stops (cancelled, failed elsewhere): its build is started or called off
CREATE TRIGGER deployments_wake_builds_on_status AFTER UPDATE OF status ON deployments
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status AND 'building' IN (OLD.status, NEW.status))
  EXECUTE FUNCTION deployments_notify_building();
