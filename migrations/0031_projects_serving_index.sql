-- The desired-state builder reads, per environment of a cluster, the releases being rolled out or serving.
CREATE INDEX deployments_serving_idx ON deployments (environment_id) WHERE status IN ('deploying', 'active');
