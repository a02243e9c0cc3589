import { RequestBodies } from "@starform/domain"

/**
 * The API reference page: the OpenAPI document rendered as one self-contained HTML page (no scripts, no CDN), grouped
 * by tag, each operation with its method, path, summary, parameters, request body and answers.
 */

interface Operation {
  readonly tags?: ReadonlyArray<string>
  readonly summary?: string
  readonly description?: string
  readonly parameters?: ReadonlyArray<{ readonly name: string; readonly in: string; readonly required?: boolean }>
  readonly requestBody?: { readonly content?: Record<string, { readonly schema?: unknown }> }
  readonly responses?: Record<string, { readonly description?: string }>
  readonly security?: ReadonlyArray<Record<string, unknown>>
}

export interface OpenApiDocument {
  readonly info: { readonly title: string; readonly version: string }
  readonly paths: Record<string, Record<string, Operation>>
  readonly tags?: ReadonlyArray<{ readonly name: string; readonly description?: string }>
  readonly [RequestBodies.limitsExtension]?: Readonly<Record<string, string>>
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!)

const methods = ["get", "post", "put", "patch", "delete"] as const

const schemaName = (schema: unknown): string => {
  if (typeof schema !== "object" || schema === null) return "JSON"
  const ref = (schema as { $ref?: unknown }).$ref
  return typeof ref === "string" ? ref.split("/").pop()! : "JSON"
}

const renderOperation = (method: string, path: string, operation: Operation) => {
  const params = (operation.parameters ?? [])
    .map(
      (p) => `<code>${escapeHtml(p.name)}</code> <small>(${escapeHtml(p.in)}${p.required ? ", required" : ""})</small>`,
    )
    .join(", ")
  const body = operation.requestBody?.content?.["application/json"]
  const answers = Object.entries(operation.responses ?? {})
    .map(([status, response]) => `<li><b>${escapeHtml(status)}</b> ${escapeHtml(response.description ?? "")}</li>`)
    .join("")
  const authenticated = (operation.security ?? []).length > 0
  return `<section class="op" id="${escapeHtml(`${method}-${path}`)}">
<h3><span class="method ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code>${authenticated ? ' <small class="lock">Bearer</small>' : ""}</h3>
${operation.summary ? `<p>${escapeHtml(operation.summary)}</p>` : ""}
${params ? `<p>Parameters: ${params}</p>` : ""}
${body ? `<p>Body: <code>${escapeHtml(schemaName(body.schema))}</code></p>` : ""}
<ul class="answers">${answers}</ul>
</section>`
}

/** The limits the document lists (`x-starform-limits`, see `RequestBodies`), as a table. */
const renderLimits = (document: OpenApiDocument): string => {
  const limits = Object.entries(document[RequestBodies.limitsExtension] ?? {})
  if (limits.length === 0) return ""
  const rows = limits.map(([name, text]) => `<tr><th>${escapeHtml(name)}</th><td>${escapeHtml(text)}</td></tr>`)
  return `<h2 id="limits">Limits</h2>
<p>What a request may carry; anything beyond is refused with the status shown and nothing is written.</p>
<table class="limits">${rows.join("")}</table>`
}

export const render = (document: OpenApiDocument): string => {
  const byTag = new Map<string, Array<string>>()
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of methods) {
      const operation = item[method]
      if (operation === undefined) continue
      const tag = operation.tags?.[0] ?? "Other"
      const list = byTag.get(tag) ?? []
      list.push(renderOperation(method, path, operation))
      byTag.set(tag, list)
    }
  }
  const sections = [...byTag.entries()]
    .map(([tag, ops]) => `<h2 id="${escapeHtml(tag)}">${escapeHtml(tag)}</h2>\n${ops.join("\n")}`)
    .join("\n")
  const toc = [...byTag.keys()].map((tag) => `<a href="#${escapeHtml(tag)}">${escapeHtml(tag)}</a>`).join(" · ")
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
<p>Every error answers JSON <code>{ "code", "message" }</code>, with <code>field</code> and <code>rule</code> for validation failures. The machine-readable document is <a href="/openapi.json">/openapi.json</a>.</p>
${renderLimits(document)}
<nav>${toc}</nav>
${sections}
</body></html>`
}
