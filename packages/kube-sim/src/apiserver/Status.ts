import { qualifiedKind, qualifiedResource, type ResourceType } from "./Registry.ts"

/** One entry of `details.causes`, as the API server reports them. */
export interface Cause {
  reason?: string
  message: string
  field?: string
}

export interface StatusDetails {
  name?: string
  group?: string
  kind?: string
  uid?: string
  causes?: Cause[]
  retryAfterSeconds?: number
}

/** A `meta/v1 Status` with `status: Failure`: what every non-2xx answer carries as its body. */
export interface StatusBody {
  kind: "Status"
  apiVersion: "v1"
  metadata: Record<string, never>
  status: "Failure" | "Success"
  message?: string
  reason?: string
  details?: StatusDetails
  code: number
}

/** Raised anywhere inside the server; the HTTP layer writes its status object as the response. */
export class ApiError extends Error {
  readonly status: StatusBody
  constructor(code: number, reason: string, message: string, details?: StatusDetails) {
    super(message)
    this.status = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message,
      reason,
      ...(details ? { details } : {}),
      code,
    }
  }
  get code(): number {
    return this.status.code
  }
}

const details = (type: ResourceType, name: string): StatusDetails => ({
  name,
  ...(type.group ? { group: type.group } : {}),
  kind: type.plural,
})

export const notFound = (type: ResourceType, name: string) =>
  new ApiError(404, "NotFound", `${qualifiedResource(type)} "${name}" not found`, details(type, name))

export const namespaceNotFound = (namespace: string) =>
  new ApiError(404, "NotFound", `namespaces "${namespace}" not found`, { name: namespace, kind: "namespaces" })

export const alreadyExists = (type: ResourceType, name: string) =>
  new ApiError(409, "AlreadyExists", `${qualifiedResource(type)} "${name}" already exists`, details(type, name))

export const conflict = (type: ResourceType, name: string, why: string) =>
  new ApiError(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualifiedResource(type)} "${name}": ${why}`,
    details(type, name),
  )

export const staleUpdate = (type: ResourceType, name: string) =>
  conflict(type, name, "the object has been modified; please apply your changes to the latest version and try again")

export const fieldManagerConflict = (
  conflicts: ReadonlyArray<{ manager: string; apiVersion: string; field: string }>,
) => {
  const byManager = new Map<string, string[]>()
  for (const c of conflicts) {
    const key = `conflict with "${c.manager}" using ${c.apiVersion}`
    byManager.set(key, [...(byManager.get(key) ?? []), c.field])
  }
  const lines = [...byManager].map(([who, fields]) =>
    fields.length === 1 ? `${who}: ${fields[0]}` : `${who}:\n${fields.map((f) => `- ${f}`).join("\n")}`,
  )
  const count = conflicts.length
  const message =
    count === 1 && lines.length === 1
      ? `Apply failed with 1 conflict: ${lines[0]}`
      : `Apply failed with ${count} conflicts: ${lines.join("\n")}`
  return new ApiError(409, "Conflict", message, {
    causes: conflicts.map((c) => ({
      reason: "FieldManagerConflict",
      message: `conflict with "${c.manager}" using ${c.apiVersion}`,
      field: c.field,
    })),
  })
}

/** 422: `Deployment.apps "web" is invalid: spec.selector: Invalid value: …: field is immutable`. */
export const invalid = (type: ResourceType, name: string, causes: ReadonlyArray<Cause>) => {
  const rendered = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message))
  const summary = rendered.length === 1 ? rendered[0] : `[${rendered.join(", ")}]`
  return new ApiError(422, "Invalid", `${qualifiedKind(type)} "${name}" is invalid: ${summary}`, {
    name,
    ...(type.group ? { group: type.group } : {}),
    kind: type.kind,
    causes: [...causes],
  })
}

export const badRequest = (message: string) => new ApiError(400, "BadRequest", message)

export const methodNotAllowed = (method: string) =>
  new ApiError(405, "MethodNotAllowed", `the server does not allow this method on the requested resource (${method})`)

export const unsupportedMediaType = (contentType: string, accepted: ReadonlyArray<string>) =>
  new ApiError(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}` +
      (contentType ? ` (got ${contentType})` : ""),
  )

export const gone = (message: string) => new ApiError(410, "Expired", message)

export const tooOld = (requested: number, oldest: number) => gone(`too old resource version: ${requested} (${oldest})`)

export const namespaceTerminating = (type: ResourceType, name: string, namespace: string) =>
  new ApiError(
    403,
    "Forbidden",
    `${qualifiedResource(type)} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
    {
      ...details(type, name),
      causes: [
        {
          reason: "NamespaceTerminating",
          message: `namespace ${namespace} is being terminated`,
          field: "metadata.namespace",
        },
      ],
    },
  )

export const internal = (message: string) =>
  new ApiError(500, "InternalError", `Internal error occurred: ${message}`, { causes: [{ message }] })

export const unavailable = (message = "the server is currently unable to handle the request") =>
  new ApiError(503, "ServiceUnavailable", message)

export const tooManyRequests = (retryAfterSeconds = 1) =>
  new ApiError(
    429,
    "TooManyRequests",
    "the server has received too many requests and has asked us to try again later",
    {
      retryAfterSeconds,
    },
  )

export const timeout = (message = "the server was unable to return a response in the time allotted") =>
  new ApiError(504, "Timeout", message)

export const success = (type: ResourceType, name: string, uid: string) => ({
  kind: "Status",
  apiVersion: "v1",
  metadata: {},
  status: "Success",
  details: { ...details(type, name), uid },
})

/** `Invalid value: "Foo": <rule>`, the way apimachinery's field errors read. */
export const invalidValue = (field: string, value: unknown, rule: string): Cause => ({
  reason: "FieldValueInvalid",
  message: `Invalid value: ${renderValue(value)}: ${rule}`,
  field,
})

export const required = (field: string, detail = ""): Cause => ({
  reason: "FieldValueRequired",
  message: detail ? `Required value: ${detail}` : "Required value",
  field,
})

export const notSupported = (field: string, value: unknown, supported: ReadonlyArray<string>): Cause => ({
  reason: "FieldValueNotSupported",
  message: `Unsupported value: ${renderValue(value)}: supported values: ${supported.map((s) => `"${s}"`).join(", ")}`,
  field,
})

export const forbidden = (field: string, detail: string): Cause => ({
  reason: "FieldValueForbidden",
  message: `Forbidden: ${detail}`,
  field,
})

export const duplicate = (field: string, value: unknown): Cause => ({
  reason: "FieldValueDuplicate",
  message: `Duplicate value: ${renderValue(value)}`,
  field,
})

export const tooLong = (field: string, max: number): Cause => ({
  reason: "FieldValueTooLong",
  message: `Too long: may not be more than ${max} bytes`,
  field,
})

const renderValue = (value: unknown): string => {
  if (typeof value === "string") return JSON.stringify(value)
  if (typeof value === "number" || typeof value === "boolean") return String(value)
  if (value === null || value === undefined) return "null"
  return JSON.stringify(value)
}
