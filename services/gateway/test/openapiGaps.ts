/**
 * What an OpenAPI document leaves undescribed, as lists of JSON-pointer-like locations (empty lists: nothing).
 *
 * - every operation has a summary and a description, every tag a description;
 * - every parameter has a description (on the parameter itself, where readers and generators look);
 * - every property of every schema (components, request and response bodies) has one, on itself or, when it is
 *   only a `$ref`, on the component it names;
 * - every response is described in words: not Effect's defaults (`Success`, `Error`, `<No Content>`) nor a bare
 *   component name;
 * - the document has `info` description, contact and license, and `servers`; an operation with a path parameter
 *   declares the 400 a malformed id answers; one that can answer 429 declares `Retry-After` and `RateLimit-*`.
 *
 * Server-Sent Events bodies are skipped: their schema is the SSE frame (`id`, `event`, `data`) that Effect generates,
 * not the contract's; the log line they carry is checked where `GET /v1/builds/{buildId}/logs` returns it.
 */

type Json = Readonly<Record<string, unknown>>

export interface Gaps {
  readonly operations: ReadonlyArray<string>
  readonly tags: ReadonlyArray<string>
  readonly parameters: ReadonlyArray<string>
  readonly properties: ReadonlyArray<string>
  readonly responses: ReadonlyArray<string>
  readonly document: ReadonlyArray<string>
}

const isJson = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value)

const record = (value: unknown): Json => (isJson(value) ? value : {})

const list = (value: unknown): ReadonlyArray<unknown> => (Array.isArray(value) ? value : [])

const text = (value: unknown): boolean => typeof value === "string" && value.trim().length > 0

const methods = ["get", "put", "post", "delete", "patch"]

const defaults = new Set(["Success", "Error", "<No Content>"])

export const gaps = (document: Json): Gaps => {
  const components = record(record(document.components).schemas)
  const operations: Array<string> = []
  const parameters: Array<string> = []
  const properties: Array<string> = []
  const responses: Array<string> = []
  const problems: Array<string> = []

  const componentOf = (ref: unknown) => (typeof ref === "string" ? components[ref.split("/").pop() ?? ""] : undefined)
  const described = (schema: Json): boolean =>
    text(schema.description) || (schema.$ref !== undefined && text(record(componentOf(schema.$ref)).description))

  const walk = (schema: unknown, where: string): void => {
    if (!isJson(schema)) return
    for (const [name, property] of Object.entries(record(schema.properties))) {
      if (!isJson(property) || !described(property)) properties.push(`${where}.${name}`)
      walk(property, `${where}.${name}`)
    }
    for (const key of ["items", "additionalProperties", "not"]) walk(schema[key], `${where}[]`)
    for (const key of ["anyOf", "oneOf", "allOf", "prefixItems"])
      for (const member of list(schema[key])) walk(member, where)
  }

  for (const [name, component] of Object.entries(components)) {
    if (name.endsWith("Encoded")) problems.push(`components.schemas.${name}: named Encoded`)
    walk(component, `#${name}`)
  }

  for (const [path, item] of Object.entries(record(document.paths))) {
    for (const method of methods) {
      const operation = record(item)[method]
      if (!isJson(operation)) continue
      const at = `${method.toUpperCase()} ${path}`
      if (!text(operation.summary)) operations.push(`${at}: summary`)
      if (!text(operation.description)) operations.push(`${at}: description`)
      for (const parameter of list(operation.parameters).filter(isJson)) {
        if (!text(parameter.description)) {
          parameters.push(`${at} ${String(parameter.in)} ${String(parameter.name)}`)
        }
      }
      for (const [type, media] of Object.entries(record(record(operation.requestBody).content))) {
        walk(record(media).schema, `${at} body ${type}`)
      }
      const answers = record(operation.responses)
      for (const [status, response] of Object.entries(answers)) {
        const description = record(response).description
        if (!text(description) || defaults.has(String(description)) || String(description) in components) {
          responses.push(`${at} ${status}: ${String(description)}`)
        }
        for (const [type, media] of Object.entries(record(record(response).content))) {
          if (type !== "text/event-stream") walk(record(media).schema, `${at} ${status} ${type}`)
        }
        const headers = record(record(response).headers)
        if (
          "429" in answers &&
          !["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"].every((h) => h in headers)
        ) {
          problems.push(`${at} ${status}: RateLimit-* headers`)
        }
        if (status === "429" && !("Retry-After" in headers)) problems.push(`${at} 429: Retry-After header`)
      }
      if (path.includes("{") && !("400" in answers)) problems.push(`${at}: 400 for a malformed path parameter`)
    }
  }

  const tags = list(document.tags)
    .filter(isJson)
    .filter((tag) => !text(tag.description))
    .map((tag) => String(tag.name))
  const info = record(document.info)
  if (!text(info.description)) problems.push("info.description")
  if (!isJson(info.contact)) problems.push("info.contact")
  if (!isJson(info.license)) problems.push("info.license")
  if (list(document.servers).length === 0) problems.push("servers")

  return { operations, tags, parameters, properties, responses, document: problems }
}
