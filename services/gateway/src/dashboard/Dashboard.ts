import { readdirSync, readFileSync } from "node:fs"
import { extname, join, relative, sep } from "node:path"
import { gzipSync } from "node:zlib"
import { Effect } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { forStatus, respond } from "../errors/ErrorResponses.ts"

/**
 * The dashboard's built files at `/`, beside the API. Vite names every file under `assets/` by its content's hash,
 * so those are cached for a year; `index.html` names the current ones and is never cached, so a new build is
 * picked up at the next load. Any other GET path outside `/v1` that accepts HTML answers `index.html`: the app
 * routes in the browser, so a deep link survives a reload. `/v1/…` paths never fall back: an unknown one stays a
 * JSON 404, as does a missing asset (a stale page asking for an old build's file must not get HTML).
 */

interface StaticFile {
  readonly body: Uint8Array
  /** Present when compressing paid off. */
  readonly gzipped: Uint8Array | undefined
  readonly contentType: string
  readonly cacheControl: string
}

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2",
}

export const immutable = "public, max-age=31536000, immutable"
export const noCache = "no-cache"

const walk = (directory: string): Array<string> =>
  readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(directory, entry.name)) : [join(directory, entry.name)],
  )

/** Every file of the build, read once (a build is a few hundred KB), keyed by its URL path. */
export const load = (directory: string): ReadonlyMap<string, StaticFile> => {
  const files = new Map<string, StaticFile>()
  for (const path of walk(directory)) {
    const urlPath = `/${relative(directory, path).split(sep).join("/")}`
    if (urlPath.split("/").some((part) => part.startsWith("."))) continue
    const body = readFileSync(path)
    const contentType = contentTypes[extname(path)] ?? "application/octet-stream"
    const compressible = /^(text\/|application\/json|image\/svg)/.test(contentType)
    const gzipped = compressible ? gzipSync(body, { level: 9 }) : undefined
    files.set(urlPath, {
      body,
      gzipped: gzipped !== undefined && gzipped.length < body.length ? gzipped : undefined,
      contentType,
      cacheControl: urlPath.startsWith("/assets/") ? immutable : noCache,
    })
  }
  return files
}

const isApiPath = (path: string) => path === "/v1" || path.startsWith("/v1/")

const serve = (file: StaticFile, acceptEncoding: string) => {
  const gzip = file.gzipped !== undefined && /\bgzip\b/.test(acceptEncoding)
  return HttpServerResponse.uint8Array(gzip && file.gzipped !== undefined ? file.gzipped : file.body, {
    contentType: file.contentType,
    headers: {
      "cache-control": file.cacheControl,
      vary: "accept-encoding",
      ...(gzip ? { "content-encoding": "gzip" } : {}),
    },
  })
}

/** `GET /*` (after every more specific route): a built file, else `index.html` for a page, else JSON 404. */
export const layer = (directory: string) => {
  const files = load(directory)
  const index = files.get("/index.html")
  return HttpRouter.add(
    "GET",
    "/*",
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const path = new URL(request.url, "http://localhost").pathname
      const acceptEncoding = request.headers["accept-encoding"] ?? ""
      const file = isApiPath(path) ? undefined : files.get(path === "/" ? "/index.html" : path)
      if (file !== undefined) return serve(file, acceptEncoding)
      const wantsPage = /\btext\/html\b/.test(request.headers.accept ?? "")
      if (index !== undefined && wantsPage && !isApiPath(path) && !path.startsWith("/assets/")) {
        return serve(index, acceptEncoding)
      }
      return respond(forStatus(404))
    }),
  )
}
