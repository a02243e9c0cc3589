import { type ApiDocument, RequestBodies } from "@starform/domain"
import type { OpenApi } from "effect/http-api"
import { guide } from "./Guide.ts"

/**
 * The API reference page: the OpenAPI document rendered as one self-contained HTML page (no scripts, no CDN): the
 * guide (errors, pagination, rate limits, idempotency, variable references), then each tag with its description and
 * its operations, each with method, path, summary, description, parameters, request body and answers.
 */

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c)

/** Backticked spans of a description become code; everything else is escaped. */
const prose = (text: string) => escapeHtml(text).replace(/`([^`]+)`/g, (_match, code: string) => `<code>${code}</code>`)

const methods = ["get", "post", "put", "patch", "delete"] as const

/** The limits the document lists (`x-starform-limits`, see `RequestBodies`), as a table. */
const renderLimits = (document: ApiDocument.Document): string => {
  const limits = Object.entries(document[RequestBodies.limitsExtension])
  if (limits.length === 0) return ""
  const rows = limits.map(([name, text]) => `<tr><th>${escapeHtml(name)}</th><td>${escapeHtml(text)}</td></tr>`)
  return `<h2 id="limits">Limits</h2>
<p>What a request may carry; anything beyond is refused with the status shown and nothing is written.</p>
<table class="limits">${rows.join("")}</table>`
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null

const schemaName = (schema: unknown): string => {
  if (!isRecord(schema)) return "JSON"
  const ref = schema.$ref
  if (typeof ref === "string") return ref.split("/").pop() ?? "JSON"
  if (schema.type === "array") return `array of ${schemaName(schema.items)}`
  return "JSON object"
}

const describe = (schema: unknown): string =>
  isRecord(schema) && typeof schema.description === "string" ? schema.description : ""

const renderParameter = (parameter: OpenApi.OpenAPISpecParameter) => {
  const description = parameter.description ?? describe(parameter.schema)
  return `<li><code>${escapeHtml(parameter.name)}</code> <small>(${escapeHtml(parameter.in)}${
    parameter.required ? ", required" : ""
  })</small> ${prose(description)}</li>`
}

const renderOperation = (method: string, path: string, operation: ApiDocument.Operation) => {
  const params = operation.parameters.map(renderParameter).join("")
  const body = operation.requestBody?.content["application/json"]
  const answers = Object.entries(operation.responses)
    .map(([status, response]) => {
      const content = response.content?.["application/json"]
      const shape = content === undefined ? "" : ` <code>${escapeHtml(schemaName(content.schema))}</code>`
      return `<li><b>${escapeHtml(status)}</b>${shape} ${prose(response.description)}</li>`
    })
    .join("")
  const authenticated = operation.security.length > 0
  return `<section class="op" id="${escapeHtml(operation.operationId)}">
<h3><span class="method ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code>${authenticated ? ' <small class="lock">Bearer</small>' : ""}</h3>
${operation.summary ? `<p><b>${prose(operation.summary)}</b></p>` : ""}
${operation.description ? `<p>${prose(operation.description)}</p>` : ""}
${params ? `<p>Parameters:</p><ul>${params}</ul>` : ""}
${body ? `<p>Body: <code>${escapeHtml(schemaName(body.schema))}</code> ${prose(describe(body.schema))}</p>` : ""}
<ul class="answers">${answers}</ul>
</section>`
}

export const render = (document: ApiDocument.Document): string => {
  const byTag = new Map<string, Array<string>>()
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of methods) {
      const operation = item[method]
      if (operation === undefined) continue
      const tag = operation.tags[0]
      const list = byTag.get(tag) ?? []
      list.push(renderOperation(method, path, operation))
      byTag.set(tag, list)
    }
  }
  const tagDescriptions = new Map(document.tags.map((tag) => [tag.name, tag.description ?? ""]))
  const sections = [...byTag.entries()]
    .map(
      ([tag, ops]) =>
        `<h2 id="${escapeHtml(tag)}">${escapeHtml(tag)}</h2>\n<p>${prose(tagDescriptions.get(tag) ?? "")}</p>\n${ops.join("\n")}`,
    )
    .join("\n")
  const toc = [...byTag.keys()].map((tag) => `<a href="#${escapeHtml(tag)}">${escapeHtml(tag)}</a>`).join(" · ")
  const topics = [
    ["errors", "Errors"],
    ["authentication", "Authentication"],
    ["pagination", "Pagination"],
    ["rate-limits", "Rate limits"],
    ["idempotency", "Idempotency"],
    ["limits", "Limits"],
    ["variables", "Variable references"],
  ]
    .map(([id, title]) => `<a href="#${id}">${title}</a>`)
    .join(" · ")
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(document.info.title)} reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
code{font-family:ui-monospace,monospace}.op{border-top:1px solid #ddd;padding:.5rem 0}
.method{display:inline-block;min-width:4.5em;font-size:.8em;color:#fff;border-radius:3px;padding:0 .4em;text-align:center}
.get{background:#2b7a3d}.post{background:#1f5fa8}.put,.patch{background:#a86b1f}.delete{background:#a8321f}
.lock{color:#666}.answers{margin:.2rem 0;font-size:.9em}
.limits th{text-align:left;padding-right:1rem;font-weight:600}
</style></head><body>
<h1>${escapeHtml(document.info.title)} <small>${escapeHtml(document.info.version)}</small></h1>
<p>${prose(document.info.description ?? "")}</p>
<p>The machine-readable document is <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
<nav>${topics}</nav>
${guide}
${renderLimits(document)}
<h2>Operations</h2>
<nav>${toc}</nav>
${sections}
</body></html>`
}
