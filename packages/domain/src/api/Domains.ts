import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import { Conflict, Forbidden, NotFound, ValidationFailed } from "../ApiErrors.ts"
import * as Auth from "../Auth.ts"
import { Authentication } from "../Auth.ts"
import { DomainId, ServiceId } from "../Ids.ts"
import { Hostname } from "../Names.ts"
import { DomainKind, DomainStatus } from "../Projects.ts"
import * as Rules from "../Rules.ts"
import { Instant } from "./Projects.ts"

/**
 * The hostnames that route to a service. Every public web service gets a generated one,
 * `<name>[-<env>]-<short id>.<base>` (the base is `starform.app` unless the platform sets `STARFORM_APP_DOMAIN`);
 * its subdomain can be changed to another free one. Custom domains come later (issue 15).
 */

export const DomainView = Schema.Struct({
  id: DomainId.annotate({ description: "The domain's id." }),
  serviceId: ServiceId.annotate({ description: "The service it routes to." }),
  hostname: Hostname.annotate({ description: "The hostname, e.g. `api-k3v9x2.starform.app`." }),
  url: Schema.String.annotate({ description: "The service's address at this hostname: `https://<hostname>`." }),
  kind: DomainKind.annotate({
    description: "`generated` (made by Starform under its base domain) or `custom` (the customer's own).",
  }),
  status: DomainStatus.annotate({
    description: "`active` once traffic for the hostname is routed; a generated domain is active at once.",
  }),
  createdAt: Instant.annotate({ description: "When the domain was assigned." }),
}).annotate({ identifier: "Domain", description: "A hostname that routes to a web service." })
export type DomainView = typeof DomainView.Type

export const ServiceDomains = Schema.Struct({
  domains: Schema.Array(DomainView).annotate({
    description: "The hostnames routed to the service, generated first; empty for private services and workers.",
  }),
  reason: Schema.NullOr(Schema.String).annotate({
    description:
      "Why the service has no public address (a worker or cron job takes no HTTP traffic; a private web service is reachable only inside its environment); null when it has one.",
  }),
}).annotate({
  identifier: "ServiceDomains",
  description: "A service's domains, or why it has none.",
})
export type ServiceDomains = typeof ServiceDomains.Type

/** A subdomain a person types; the service checks the rules a pattern cannot say (reserved, offensive). */
export const Subdomain = Rules.text(63, 1).annotate({
  description:
    "The generated domain's new first label, e.g. `shop` for `shop.starform.app`: 3 to 63 lowercase letters, digits and hyphens, starting and ending with a letter or digit; reserved names (`www`, `api`, `starform…`) and offensive ones are refused.",
  examples: ["shop"],
})

export const ChangeSubdomainRequest = Schema.Struct({
  subdomain: Subdomain,
}).annotate({
  identifier: "ChangeSubdomainRequest",
  description: "The subdomain the service's generated domain should have.",
})
export type ChangeSubdomainRequest = typeof ChangeSubdomainRequest.Type

const serviceId = {
  serviceId: ServiceId.annotate({ description: "The service whose domains these are." }),
}

export const DomainsGroup = HttpApiGroup.make("domains")
  .add(
    HttpApiEndpoint.get("listServiceDomains", "/v1/services/:serviceId/domains", {
      params: serviceId,
      success: ServiceDomains,
      error: [ValidationFailed, Forbidden, NotFound],
    })
      .annotateMerge(Auth.requires("domain.read", Auth.ofResource("service", "serviceId")))
      .annotate(OpenApi.Summary, "A service's domains")
      .annotate(
        OpenApi.Description,
        "The hostnames routed to a service with their addresses; for a private service, worker or cron job, none, and `reason` says why.",
      ),
    HttpApiEndpoint.put("changeGeneratedSubdomain", "/v1/services/:serviceId/domains/generated", {
      params: serviceId,
      payload: ChangeSubdomainRequest,
      success: DomainView,
      error: [ValidationFailed, Forbidden, NotFound, Conflict],
    })
      .annotateMerge(Auth.requires("domain.update", Auth.ofResource("service", "serviceId")))
      .annotate(OpenApi.Summary, "Change the subdomain of a service's generated domain")
      .annotate(
        OpenApi.Description,
        "The generated domain becomes `<subdomain>.<base>` and the route follows at once (the old hostname is released). 400 for a malformed, reserved or offensive subdomain; 409 when another service holds it, or when the service is not a public web service.",
      ),
  )
  .middleware(Auth.Authorization)
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Domains")
  .annotate(
    OpenApi.Description,
    "The hostnames that route to web services: a generated `<name>[-<env>]-<short id>.starform.app` for every public web service, whose subdomain can be changed.",
  )
