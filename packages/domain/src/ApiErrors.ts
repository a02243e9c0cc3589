import { Schema } from "effect"
import type { Violation } from "./Violations.ts"

/**
 * The errors of the public API. Every 4xx/5xx body is `{ code, message }` (plus `field`, `rule` and `errors` for
 * validation failures): `code` is the machine-readable discriminator, `message` a sentence a user can act on.
 * The `_tag` each class carries for `Effect.catchTag` is left out of the JSON body.
 */

/** One field that failed validation, as listed in `errors` when several fields fail. */
export class FieldError extends Schema.Class<FieldError>("FieldError")({
  /** Dotted path into the request, e.g. `services.0.name`; empty for the value itself. */
  field: Schema.String.annotate({
    description: "Dotted path into the request, e.g. `services.0.name`; empty for the value itself.",
  }),
  /** The rule broken, from `Rules`/`Names` (`rfc1123-label`, `email`, `length`, `required`, …). */
  rule: Schema.String.annotate({
    description: "The rule broken, e.g. `rfc1123-label`, `email`, `length`, `required`, `reference`.",
  }),
  message: Schema.String.annotate({ description: "What the field must be, in words." }),
}) {}

/** 400: the request's input broke a rule. Names the field and the rule; `errors` lists all when several failed. */
export class ValidationFailed extends Schema.Error<ValidationFailed>("ValidationFailed")(
  {
    _tag: Schema.tagDefaultOmit("ValidationFailed").pipe(
      Schema.annotateEncoded({ description: "Not sent: the error's name in Effect clients." }),
    ),
    code: Schema.tag("validation_failed").annotate({ description: "`validation_failed`." }),
    message: Schema.String.annotate({
      description: "What was wrong and what to send instead, naming the first failing field.",
    }),
    field: Schema.optionalKey(Schema.String).annotate({
      description: "The first failing field, as a dotted path; absent when the request as a whole is wrong.",
    }),
    rule: Schema.optionalKey(Schema.String).annotate({ description: "The rule the first failing field broke." }),
    errors: Schema.optionalKey(Schema.Array(FieldError)).annotate({
      description: "Every failing field, when there are several.",
    }),
  },
  {
    httpApiStatus: 400,
    description:
      "The request broke a rule: `field` and `rule` name the first failing field, `errors` lists all when several failed (a malformed id in the path answers this too). Nothing was changed.",
  },
) {
  /** One field broke one rule; `message` is the rule in words ("must be …"). */
  static field(field: string, rule: string, message: string): ValidationFailed {
    return new ValidationFailed({ message: `${field || "the request"} ${message}`, field, rule })
  }

  /** A schema failure's violations (see `Violations.fromIssue`), the first naming `field` and `rule`. */
  static fromViolations(violations: ReadonlyArray<Violation>, prefix: ReadonlyArray<PropertyKey> = []) {
    const errors = violations.map(
      (violation) =>
        new FieldError({
          field: [...prefix, ...violation.path].map(String).join("."),
          rule: violation.rule,
          message: violation.message,
        }),
    )
    const first = errors[0]
    if (first === undefined) return new ValidationFailed({ message: "The request is not valid." })
    return new ValidationFailed({
      message: `${first.field || "the request"} ${first.message}`,
      field: first.field,
      rule: first.rule,
      ...(errors.length > 1 ? { errors } : {}),
    })
  }
}

/** 401: no credentials, or credentials that are expired, revoked, forged or unknown. */
export class Unauthenticated extends Schema.Error<Unauthenticated>("Unauthenticated")(
  {
    _tag: Schema.tagDefaultOmit("Unauthenticated").pipe(
      Schema.annotateEncoded({ description: "Not sent: the error's name in Effect clients." }),
    ),
    code: Schema.tag("unauthenticated").annotate({ description: "`unauthenticated`." }),
    message: Schema.String.annotate({ description: "Why the credentials were not accepted, and what to do." }),
  },
  {
    httpApiStatus: 401,
    description:
      "No credentials, or credentials that are expired, revoked, forged or unknown: sign in again or send a valid token.",
  },
) {}

/** 403: the actor may see the resource but not do this to it (e.g. a viewer deleting a project). */
export class Forbidden extends Schema.Error<Forbidden>("Forbidden")(
  {
    _tag: Schema.tagDefaultOmit("Forbidden").pipe(
      Schema.annotateEncoded({ description: "Not sent: the error's name in Effect clients." }),
    ),
    code: Schema.tag("forbidden").annotate({ description: "`forbidden`." }),
    message: Schema.String.annotate({ description: "What the caller may not do, and why." }),
  },
  {
    httpApiStatus: 403,
    description:
      "The caller can see the resource but may not do this to it (its role, or its token's scopes, do not allow it).",
  },
) {}

/** 404: missing, or in a tenant the actor does not belong to — the two are worded identically. */
export class NotFound extends Schema.Error<NotFound>("NotFound")(
  {
    _tag: Schema.tagDefaultOmit("NotFound").pipe(
      Schema.annotateEncoded({ description: "Not sent: the error's name in Effect clients." }),
    ),
    code: Schema.tag("not_found").annotate({ description: "`not_found`." }),
    message: Schema.String.annotate({ description: "What was not found, e.g. `No project with id prj_… was found.`" }),
  },
  {
    httpApiStatus: 404,
    description:
      "There is no such resource, or it belongs to a workspace the caller is not a member of: the two answers are the same.",
  },
) {
  /** The one wording of "there is no such `type`", used for missing and for other tenants' resources alike. */
  static of(type: string, id: string): NotFound {
    return new NotFound({ message: `No ${type} with id ${id} was found.` })
  }
}

/** 409: the request clashes with what exists (a taken name, a last owner leaving, …). */
export class Conflict extends Schema.Error<Conflict>("Conflict")(
  {
    _tag: Schema.tagDefaultOmit("Conflict").pipe(
      Schema.annotateEncoded({ description: "Not sent: the error's name in Effect clients." }),
    ),
    code: Schema.tag("conflict").annotate({ description: "`conflict`." }),
    message: Schema.String.annotate({ description: "What the request clashes with, and what to do." }),
    field: Schema.optionalKey(Schema.String).annotate({
      description: "The field whose value clashes (e.g. `name`), when one does.",
    }),
  },
  {
    httpApiStatus: 409,
    description:
      "The request clashes with what exists: a name already taken, a last owner leaving, a deployment that can no longer be cancelled, …",
  },
) {}

/** 429: over a rate-limit budget; the response also carries `Retry-After` and `RateLimit-*` headers. */
export class RateLimited extends Schema.Error<RateLimited>("RateLimited")(
  {
    _tag: Schema.tagDefaultOmit("RateLimited").pipe(
      Schema.annotateEncoded({ description: "Not sent: the error's name in Effect clients." }),
    ),
    code: Schema.tag("rate_limited").annotate({ description: "`rate_limited`." }),
    message: Schema.String.annotate({ description: "Which budget was exceeded, and when to retry." }),
    retryAfterSeconds: Schema.Int.annotate({ description: "Seconds to wait before retrying (also in `Retry-After`)." }),
  },
  {
    httpApiStatus: 429,
    description: "Over a rate-limit budget: wait `Retry-After` seconds, then retry. Nothing was done.",
  },
) {}

/** 413: the request body is larger than the API accepts (see `RequestBodies.limits`). */
export class PayloadTooLarge extends Schema.Error<PayloadTooLarge>("PayloadTooLarge")(
  {
    _tag: Schema.tagDefaultOmit("PayloadTooLarge").pipe(
      Schema.annotateEncoded({ description: "Not sent: the error's name in Effect clients." }),
    ),
    code: Schema.tag("payload_too_large").annotate({ description: "`payload_too_large`." }),
    message: Schema.String.annotate({ description: "How large the body was, when known, and the limit." }),
  },
  {
    httpApiStatus: 413,
    description: "The request body is larger than this endpoint accepts; nothing was stored.",
  },
) {}

/** 415: a request body that is not `application/json`. */
export class UnsupportedMediaType extends Schema.Error<UnsupportedMediaType>("UnsupportedMediaType")(
  {
    _tag: Schema.tagDefaultOmit("UnsupportedMediaType"),
    code: Schema.tag("unsupported_media_type"),
    message: Schema.String,
  },
  { httpApiStatus: 415 },
) {}

/** 500: something failed on Starform's side; the body never carries internals. */
export class Internal extends Schema.Error<Internal>("Internal")(
  {
    _tag: Schema.tagDefaultOmit("Internal").pipe(
      Schema.annotateEncoded({ description: "Not sent: the error's name in Effect clients." }),
    ),
    code: Schema.tag("internal").annotate({ description: "`internal`." }),
    message: Schema.String.annotate({ description: "That something failed on Starform's side; never internals." }),
  },
  {
    httpApiStatus: 500,
    description: "Something failed on Starform's side; the request may be retried.",
  },
) {}

/** The status each code answers with. */
export const statusOf = {
  validation_failed: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
} as const

export type ErrorCode = keyof typeof statusOf
