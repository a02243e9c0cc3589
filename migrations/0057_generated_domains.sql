-- Generated domains (issue 15): every public web service has exactly one `<name>[-<env>]-<short id>.<base>` hostname.
-- `domains_hostname_unique` already makes a hostname Starform-wide unique (two requests racing for one name: one
-- wins, the other is refused by it); this makes "one generated domain per service" a fact the database keeps, so
-- two requests making a service public at once assign one hostname, not two.
CREATE UNIQUE INDEX domains_one_generated_per_service ON domains (service_id) WHERE kind = 'generated';
