import { Schema } from "effect"

/** One entry of a Status's `details.causes`: which field, and what rule it broke. */
export const Cause = Schema.Struct({
  field: Schema.optional(Schema.String),
  reason: Schema.optional(Schema.String),
  message: Schema.String,
})
export type Cause = typeof Cause.Type

const target = {
  /** The resource and name the request was about, when the request had one (`deployments.apps/web`). */
  target: Schema.String,
  /** The API server's own message. */
  detail: Schema.String,
}

/**
 * 409: someone else wrote first (a stale `resourceVersion`, reason `Conflict`), the object exists already
 * (`AlreadyExists`), or a server-side apply would change fields another manager owns (`FieldManagerConflict`,
 * with the fields in `causes`).
 */
export class Conflict extends Schema.TaggedError<Conflict>()("KubeConflict", {
  ...target,
  reason: Schema.Literals(["Conflict", "AlreadyExists", "FieldManagerConflict"]),
  causes: Schema.Array(Cause),
}) {
  override get message() {
    if (this.reason === "FieldManagerConflict")
      return `${this.target}: ${this.detail} (apply with force to take these fields over, or stop sending them)`
    if (this.reason === "AlreadyExists") return `${this.target}: ${this.detail}`
    return `${this.target}: ${this.detail}`
  }
}

/** 404: the object (or its namespace) does not exist. */
export class NotFound extends Schema.TaggedError<NotFound>()("KubeNotFound", target) {
  override get message() {
    return `${this.target}: ${this.detail}`
  }
}

/** 410: the resourceVersion a watch or list resumed from is older than the server keeps: list again. */
export class Gone extends Schema.TaggedError<Gone>()("KubeGone", target) {
  override get message() {
    return `${this.target}: ${this.detail} (list again to get a current resourceVersion)`
  }
}

/** 422: the object broke a validation rule; `causes` name each field and rule. */
export class Invalid extends Schema.TaggedError<Invalid>()("KubeInvalid", {
  ...target,
  causes: Schema.Array(Cause),
}) {
  override get message() {
    return this.detail
  }
}

/** The API did not answer usefully: unreachable, timed out, throttled (429) or failing (5xx). Worth retrying. */
export class Unavailable extends Schema.TaggedError<Unavailable>()("KubeUnavailable", {
  ...target,
  /** The HTTP status, or 0 when no response came back. */
  status: Schema.Number,
  /** Seconds the server asked us to wait (Retry-After), if it did. */
  retryAfterSeconds: Schema.optional(Schema.Number),
}) {
  override get message() {
    return this.status === 0
      ? `${this.target}: the Kubernetes API did not answer: ${this.detail}`
      : `${this.target}: the Kubernetes API answered ${this.status}: ${this.detail}`
  }
}

/** Any other refusal (400 bad request, 401/403 not allowed, 405, 415): retrying the same request will not help. */
export class Rejected extends Schema.TaggedError<Rejected>()("KubeRejected", {
  ...target,
  status: Schema.Number,
  reason: Schema.String,
}) {
  override get message() {
    return `${this.target}: the Kubernetes API refused the request (${this.status} ${this.reason}): ${this.detail}`
  }
}

export type KubeError = Conflict | NotFound | Gone | Invalid | Unavailable | Rejected

interface StatusLike {
  readonly message?: unknown
  readonly reason?: unknown
  readonly details?: {
    readonly causes?: ReadonlyArray<{ readonly field?: unknown; readonly reason?: unknown; readonly message?: unknown }>
  }
}

const parseStatus = (body: string): StatusLike => {
  try {
    const parsed: unknown = JSON.parse(body)
    return typeof parsed === "object" && parsed !== null ? (parsed as StatusLike) : {}
  } catch {
    return {}
  }
}

const causesOf = (status: StatusLike): Cause[] =>
  (status.details?.causes ?? []).map((c) => ({
    ...(typeof c.field === "string" ? { field: c.field } : {}),
    ...(typeof c.reason === "string" ? { reason: c.reason } : {}),
    message: typeof c.message === "string" ? c.message : "",
  }))

/** Maps an HTTP answer (its status and the `Status` body the API server sends) to the error a caller can act on. */
export const fromResponse = (
  target: string,
  code: number,
  body: string,
  headers: Readonly<Record<string, string>> = {},
): KubeError => {
  const status = parseStatus(body)
  const detail =
    typeof status.message === "string" && status.message ? status.message : body.slice(0, 500) || `HTTP ${code}`
  const reason = typeof status.reason === "string" ? status.reason : ""
  switch (code) {
    case 404:
      return new NotFound({ target, detail })
    case 409: {
      const causes = causesOf(status)
      const kind =
        reason === "AlreadyExists"
          ? "AlreadyExists"
          : causes.some((c) => c.reason === "FieldManagerConflict")
            ? "FieldManagerConflict"
            : "Conflict"
      return new Conflict({ target, detail, reason: kind, causes })
    }
    case 410:
      return new Gone({ target, detail })
    case 422:
      return new Invalid({ target, detail, causes: causesOf(status) })
  }
  if (code === 429 || code >= 500) {
    const retry = Number(headers["retry-after"])
    return new Unavailable({
      target,
      detail,
      status: code,
      ...(Number.isFinite(retry) && retry > 0 ? { retryAfterSeconds: retry } : {}),
    })
  }
  return new Rejected({ target, detail, status: code, reason: reason || "BadRequest" })
}

/** A request that got no answer: connection refused or reset, DNS, TLS, timeout. */
export const fromTransport = (target: string, error: unknown): Unavailable => {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined
  const code = cause && "code" in cause ? String((cause as { code: unknown }).code) : undefined
  const text = error instanceof Error ? error.message : String(error)
  const detail = [text, cause?.message, code].filter((x, i, all) => x && all.indexOf(x) === i).join(": ")
  return new Unavailable({ target, detail, status: 0 })
}
