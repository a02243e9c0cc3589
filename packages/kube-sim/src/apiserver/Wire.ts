import type { IncomingMessage, ServerResponse } from "node:http"
import { parse as parseYaml } from "yaml"
import { isObject, type JsonObject } from "../Json.ts"
import { ApiError, badRequest, internal } from "./Status.ts"

export const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-cache, private",
    ...headers,
  })
  res.end(text)
}

/** Answers with the Status body of a failure (an internal error for anything that is not an ApiError). */
export const fail = (res: ServerResponse, error: unknown) => {
  const apiError = error instanceof ApiError ? error : internal(error instanceof Error ? error.message : String(error))
  const retry = apiError.status.details?.retryAfterSeconds
  json(res, apiError.code, apiError.status, retry !== undefined ? { "Retry-After": String(retry) } : {})
}

export const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

export const mediaType = (header: string | undefined) => (header ?? "").split(";")[0]!.trim().toLowerCase()

export const decode = (raw: string, contentType: string): JsonObject => {
  let parsed: unknown
  try {
    parsed = contentType === "application/yaml" ? parseYaml(raw, { version: "1.1" }) : JSON.parse(raw)
  } catch (error) {
    throw badRequest(`the body of the request could not be decoded: ${(error as Error).message}`)
  }
  if (!isObject(parsed)) throw badRequest("the body of the request must be an object")
  return parsed
}

/** What kube-apiserver records as the manager when none is given: the user agent up to its first "/". */
export const defaultManager = (userAgent: string | undefined): string =>
  (userAgent ?? "unknown").split("/")[0]!.slice(0, 128)
