import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo, Socket } from "node:net"
import { parse as parseYaml } from "yaml"
import { type Faults, isWrite, type RequestInfo, type Verb } from "../Faults.ts"
import { isObject, type JsonObject } from "../Json.ts"
import { type KObject, objectFrom } from "../Objects.ts"
import type { Security } from "../security/Security.ts"
import type { Cluster, DeleteOptions } from "./Cluster.ts"
import { jobOrphansPods, patchTypes } from "./Cluster.ts"
import { apiVersionOf, type ResourceType } from "./Registry.ts"
import { parseFieldSelector, parseLabelSelector } from "./Selectors.ts"
import {
  ApiError,
  badRequest,
  conflict,
  internal,
  methodNotAllowed,
  timeout,
  tooManyRequests,
  unavailable,
  unsupportedMediaType,
} from "./Status.ts"
import { deliver, matchesFilter, type Watcher } from "./Store.ts"
import { fieldValidationOf } from "./UnknownFields.ts"

/** Where `pods/log` reads from: the simulated kubelet's container output. */
export interface LogSource {
  read(pod: KObject, container: string | undefined): string
  follow(pod: KObject, container: string | undefined, onLine: (line: string) => void, onEnd: () => void): () => void
}

export interface RequestStats {
  requests: number
  writes: number
  byVerb: Partial<Record<Verb, number>>
}

interface Route {
  readonly type: ResourceType | undefined
  readonly namespace: string | undefined
  readonly name: string | undefined
  readonly subresource: string | undefined
  readonly discovery?: unknown
  readonly watchPath: boolean
}

interface OpenWatch {
  readonly res: ServerResponse
  readonly type: ResourceType
  readonly bookmarks: boolean
  close(abrupt: boolean): void
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-cache, private",
    ...headers,
  })
  res.end(text)
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

const mediaType = (header: string | undefined) => (header ?? "").split(";")[0]!.trim().toLowerCase()

/**
 * kube-apiserver's HTTP surface over a Cluster: discovery, the resource paths (namespaced and cluster-scoped, with
 * status, scale and log subresources), list/watch with bookmarks, and Status bodies for every failure.
 */
export class ApiServer {
  private server: Server | undefined
  private readonly sockets = new Set<Socket>()
  private readonly watches = new Set<OpenWatch>()
  private bookmarkTimer: NodeJS.Timeout | undefined
  readonly stats: RequestStats = { requests: 0, writes: 0, byVerb: {} }
  /** Called after every request is classified: lets tests record the traffic. */
  onRequest: ((info: RequestInfo & { readonly method: string; readonly path: string }) => void) | undefined

  private readonly cluster: Cluster
  private readonly faults: Faults
  private readonly logs: LogSource
  private readonly options: { readonly bookmarkIntervalMs: number }
  private readonly security: Security
  constructor(
    cluster: Cluster,
    faults: Faults,
    logs: LogSource,
    options: { readonly bookmarkIntervalMs: number },
    security: Security,
  ) {
    this.security = security
    this.cluster = cluster
    this.faults = faults
    this.logs = logs
    this.options = options
    faults.dropWatchesHook = (abrupt) => this.dropWatches(abrupt)
    faults.outageHook = () => {
      this.dropWatches(true)
      for (const socket of this.sockets) socket.destroy()
    }
  }

  async listen(port: number, host = "127.0.0.1"): Promise<string> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) this.fail(res, error)
        else res.destroy()
      })
    })
    server.keepAliveTimeout = 30_000
    server.on("connection", (socket) => {
      if (this.faults.isDown) {
        socket.destroy()
        return
      }
      this.sockets.add(socket)
      socket.on("close", () => this.sockets.delete(socket))
    })
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject)
      server.listen(port, host, () => resolve())
    })
    this.server = server
    this.bookmarkTimer = setInterval(() => this.bookmark(), this.options.bookmarkIntervalMs)
    this.bookmarkTimer.unref()
    const address = server.address() as AddressInfo
    return `http://${host}:${address.port}`
  }

  async close(): Promise<void> {
    if (this.bookmarkTimer) clearInterval(this.bookmarkTimer)
    this.dropWatches(false)
    const server = this.server
    if (!server) return
    this.server = undefined
    await new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  }

  /** Sends a BOOKMARK to every watch that asked for them. */
  bookmark(): void {
    const rv = String(this.cluster.store.resourceVersion)
    for (const watch of this.watches) {
      if (!watch.bookmarks) continue
      watch.res.write(
        `${JSON.stringify({ type: "BOOKMARK", object: { kind: watch.type.kind, apiVersion: apiVersionOf(watch.type), metadata: { resourceVersion: rv } } })}\n`,
      )
    }
  }

  get openWatches(): number {
    return this.watches.size
  }

  private dropWatches(abrupt: boolean): number {
    const all = [...this.watches]
    for (const watch of all) watch.close(abrupt)
    return all.length
  }

  private fail(res: ServerResponse, error: unknown) {
    const apiError =
      error instanceof ApiError ? error : internal(error instanceof Error ? error.message : String(error))
    const retry = apiError.status.details?.retryAfterSeconds
    json(res, apiError.code, apiError.status, retry !== undefined ? { "Retry-After": String(retry) } : {})
  }

  private route(pathname: string): Route {
    const parts = pathname
      .split("/")
      .filter((p) => p.length > 0)
      .map(decodeURIComponent)
    const none = { type: undefined, namespace: undefined, name: undefined, subresource: undefined, watchPath: false }
    const registry = this.cluster.registry
    let groupVersion: string
    let rest: string[]
    if (parts[0] === "api") {
      if (parts.length === 1) return { ...none, discovery: registry.apiVersions(this.hostPort()) }
      groupVersion = parts[1]!
      rest = parts.slice(2)
    } else if (parts[0] === "apis") {
      if (parts.length === 1) return { ...none, discovery: registry.apiGroupList() }
      if (parts.length === 2) {
        const group = registry.apiGroup(parts[1]!)
        if (!group) throw new ApiError(404, "NotFound", "the server could not find the requested resource")
        return { ...none, discovery: group }
      }
      groupVersion = `${parts[1]}/${parts[2]}`
      rest = parts.slice(3)
    } else if (parts[0] === "version" && parts.length === 1) {
      return {
        ...none,
        discovery: {
          major: "1",
          minor: "33",
          gitVersion: "v1.33.0+kube-sim",
          gitCommit: "kube-sim",
          gitTreeState: "clean",
          buildDate: "2025-01-01T00:00:00Z",
          goVersion: "go1.24",
          compiler: "gc",
          platform: "linux/amd64",
        },
      }
    } else {
      throw new ApiError(404, "NotFound", "the server could not find the requested resource")
    }
    if (rest.length === 0) {
      const list = registry.apiResourceList(groupVersion)
      if (!list) throw new ApiError(404, "NotFound", "the server could not find the requested resource")
      return { ...none, discovery: list }
    }
    let watchPath = false
    if (rest[0] === "watch") {
      watchPath = true
      rest = rest.slice(1)
    }
    let namespace: string | undefined
    if (rest[0] === "namespaces" && rest.length >= 3) {
      const candidate = registry.byResource(groupVersion, rest[2]!)
      if (candidate?.namespaced) {
        namespace = rest[1]
        rest = rest.slice(2)
      }
    }
    const type = registry.byResource(groupVersion, rest[0]!)
    if (!type) throw new ApiError(404, "NotFound", "the server could not find the requested resource")
    if (type.namespaced && namespace === undefined && rest.length > 1)
      throw new ApiError(404, "NotFound", "the server could not find the requested resource")
    return { type, namespace, name: rest[1], subresource: rest[2], watchPath }
  }

  private hostPort(): string {
    const address = this.server?.address() as AddressInfo | undefined
    return address ? `127.0.0.1:${address.port}` : "127.0.0.1"
  }

  private classify(method: string, route: Route, query: URLSearchParams, contentType: string): Verb {
    if (route.discovery !== undefined) return "discovery"
    const collection = route.name === undefined
    switch (method) {
      case "GET":
        if (route.watchPath || query.get("watch") === "true" || query.get("watch") === "1") return "watch"
        return collection ? "list" : "get"
      case "POST":
        return "create"
      case "PUT":
        return "update"
      case "PATCH":
        return contentType.startsWith("application/apply-patch") ? "apply" : "patch"
      case "DELETE":
        return collection ? "deletecollection" : "delete"
      default:
        throw methodNotAllowed(method)
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.faults.isDown) {
      req.socket.destroy()
      return
    }
    const url = new URL(req.url ?? "/", "http://localhost")
    const method = req.method ?? "GET"
    if (["/healthz", "/livez", "/readyz"].includes(url.pathname)) {
      res.writeHead(200, { "Content-Type": "text/plain" })
      res.end("ok")
      return
    }
    // Authentication (401) and RBAC (403) come first, as on a real server; admission then knows the user.
    const { user, attributes } = await this.security.check(
      req.headers.authorization,
      method,
      url.pathname,
      url.searchParams,
    )
    const context = {
      user,
      subresource: attributes.subresource,
      dryRun: url.searchParams.has("dryRun"),
      warn: (warning: string) => {
        if (!res.headersSent) res.appendHeader("Warning", `299 - ${JSON.stringify(warning)}`)
      },
    }
    return this.security.within(context, () => this.serve(req, res, url, method))
  }

  private async serve(req: IncomingMessage, res: ServerResponse, url: URL, method: string): Promise<void> {
    const contentType = mediaType(req.headers["content-type"])
    const route = this.route(url.pathname)
    const verb = this.classify(method, route, url.searchParams, contentType)
    const info: RequestInfo = {
      verb,
      resource: route.type?.plural,
      namespace: route.namespace,
      name: route.name,
      subresource: route.subresource,
    }
    this.stats.requests++
    this.stats.byVerb[verb] = (this.stats.byVerb[verb] ?? 0) + 1
    if (isWrite(verb)) this.stats.writes++
    this.onRequest?.({ ...info, method, path: url.pathname })
    const delay = this.faults.delayFor(info)
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay))
    if (this.faults.isDown) {
      req.socket.destroy()
      return
    }
    const storm = this.faults.stormFor(info)
    if (storm !== undefined) {
      await readBody(req)
      const error =
        storm === 409
          ? route.type
            ? conflict(
                route.type,
                route.name ?? "",
                "the object has been modified; please apply your changes to the latest version and try again",
              )
            : new ApiError(
                409,
                "Conflict",
                "the object has been modified; please apply your changes to the latest version and try again",
              )
          : storm === 429
            ? tooManyRequests(1)
            : storm === 503
              ? unavailable()
              : storm === 504
                ? timeout()
                : internal("injected fault: etcdserver: request timed out")
      this.fail(res, error)
      return
    }
    if (route.discovery !== undefined) {
      if (method !== "GET") throw methodNotAllowed(method)
      json(res, 200, route.discovery)
      return
    }
    const type = route.type!
    const query = url.searchParams
    const dryRun = query.getAll("dryRun")
    for (const value of dryRun) if (value !== "All") throw badRequest(`Invalid dry run value: ${value}`)
    const isDryRun = dryRun.length > 0
    const manager = query.get("fieldManager") ?? defaultManager(req.headers["user-agent"])
    if (manager.length > 128) throw badRequest("fieldManager: Too long: may not be more than 128 bytes")
    const scope = route.subresource === "status" ? "status" : ""
    const sub = route.subresource
    if (sub === "token" && type.kind === "ServiceAccount" && verb === "create") {
      const body = this.decode(await readBody(req), contentType)
      return json(res, 201, await this.security.tokenRequest(route.namespace ?? "", route.name!, body))
    }
    if (
      sub !== undefined &&
      sub !== "status" &&
      !(sub === "scale" && type.scale) &&
      !(sub === "log" && type.kind === "Pod")
    )
      throw new ApiError(404, "NotFound", "the server could not find the requested resource")
    if (sub === "status" && !type.status)
      throw new ApiError(404, "NotFound", "the server could not find the requested resource")
    // What a write has to say besides its answer: `Warning: 299 - "…"` headers, as the API server sends them.
    const warnings: string[] = []
    const fieldValidation = fieldValidationOf(query.get("fieldValidation"))
    const reply = (status: number, body: unknown) => {
      // Appended: the admission policies' Warn-action warnings may already be there.
      if (warnings.length > 0)
        res.appendHeader(
          "Warning",
          warnings.map((warning) => `299 - ${JSON.stringify(warning)}`),
        )
      json(res, status, body)
    }

    switch (verb) {
      case "get": {
        const obj = this.cluster.get(type, route.namespace, route.name!)
        if (sub === "scale") return json(res, 200, this.cluster.scale(obj))
        if (sub === "log") return this.serveLog(res, obj, query)
        return json(res, 200, obj)
      }
      case "list": {
        const result = this.cluster.list(type, route.namespace, {
          labelSelector: query.get("labelSelector"),
          fieldSelector: query.get("fieldSelector"),
          limit: query.has("limit") ? Number(query.get("limit")) : 0,
          continue: query.get("continue"),
          resourceVersion: query.get("resourceVersion"),
          resourceVersionMatch: query.get("resourceVersionMatch"),
        })
        return json(res, 200, {
          kind: `${type.kind}List`,
          apiVersion: apiVersionOf(type),
          metadata: {
            resourceVersion: result.resourceVersion,
            ...(result.continue ? { continue: result.continue } : {}),
            ...(result.remainingItemCount !== undefined ? { remainingItemCount: result.remainingItemCount } : {}),
          },
          // Built-in lists carry items without apiVersion and kind; custom resources keep them.
          items: type.custom ? result.items : result.items.map(({ apiVersion: _a, kind: _k, ...rest }) => rest),
        })
      }
      case "watch":
        return this.watch(req, res, type, route.namespace, route.name, query)
      case "create": {
        if (route.name !== undefined) throw methodNotAllowed(method)
        const body = this.decode(await readBody(req), contentType)
        const created = this.cluster.create(type, route.namespace, objectFrom(body), {
          manager,
          dryRun: isDryRun,
          fieldValidation,
          warnings,
        })
        return reply(201, created)
      }
      case "update": {
        const body = this.decode(await readBody(req), contentType)
        if (sub === "scale")
          return json(
            res,
            200,
            this.cluster.scale(
              this.cluster.updateScale(type, route.namespace, route.name!, body, { manager, dryRun: isDryRun }),
            ),
          )
        const updated = this.cluster.update(type, route.namespace, route.name!, objectFrom(body), {
          manager,
          dryRun: isDryRun,
          scope,
          fieldValidation,
          warnings,
        })
        return reply(200, updated)
      }
      case "patch":
      case "apply": {
        if (
          !(patchTypes as ReadonlyArray<string>).includes(contentType) &&
          contentType !== "application/apply-patch+cbor"
        )
          throw unsupportedMediaType(contentType, patchTypes)
        const raw = await readBody(req)
        const force = query.get("force")
        if (sub === "scale") {
          const current = this.cluster.scale(this.cluster.get(type, route.namespace, route.name!))
          const patchedScale = this.patchScale(current, contentType, raw)
          return json(
            res,
            200,
            this.cluster.scale(
              this.cluster.updateScale(type, route.namespace, route.name!, patchedScale, { manager, dryRun: isDryRun }),
            ),
          )
        }
        const result = this.cluster.patch(type, route.namespace, route.name!, contentType, raw, {
          manager: query.get("fieldManager") ?? (verb === "apply" ? "" : manager),
          dryRun: isDryRun,
          scope,
          fieldValidation,
          warnings,
          ...(force !== null ? { force: force === "true" } : {}),
        })
        return reply(result.created ? 201 : 200, result.object)
      }
      case "delete": {
        const raw = await readBody(req)
        const options = this.deleteOptions(raw, query)
        const result = this.cluster.delete(type, route.namespace, route.name!, {
          ...options,
          dryRun: isDryRun || options.dryRun === true,
          warnings,
        })
        if (result.deleted && type.kind !== "Pod") return reply(200, this.cluster.successStatus(type, result.object))
        return reply(200, result.object)
      }
      case "deletecollection": {
        const raw = await readBody(req)
        const options = this.deleteOptions(raw, query)
        const targets = this.cluster.list(type, route.namespace, {
          labelSelector: query.get("labelSelector"),
          fieldSelector: query.get("fieldSelector"),
        }).items
        const out: KObject[] = []
        for (const target of targets) {
          const result = this.cluster.delete(type, target.metadata.namespace, target.metadata.name ?? "", {
            ...options,
            dryRun: isDryRun,
          })
          out.push(result.object)
        }
        // Said once for the collection, not once per Job.
        if (type.kind === "Job" && options.propagationPolicy === undefined) warnings.push(jobOrphansPods)
        return reply(200, {
          kind: `${type.kind}List`,
          apiVersion: apiVersionOf(type),
          metadata: { resourceVersion: String(this.cluster.store.resourceVersion) },
          items: out,
        })
      }
      default:
        throw methodNotAllowed(method)
    }
  }

  private decode(raw: string, contentType: string): JsonObject {
    let parsed: unknown
    try {
      parsed = contentType === "application/yaml" ? parseYaml(raw, { version: "1.1" }) : JSON.parse(raw)
    } catch (error) {
      throw badRequest(`the body of the request could not be decoded: ${(error as Error).message}`)
    }
    if (!isObject(parsed)) throw badRequest("the body of the request must be an object")
    return parsed
  }

  private patchScale(current: ReturnType<Cluster["scale"]>, contentType: string, raw: string): JsonObject {
    const patch = this.decode(
      raw,
      contentType === "application/apply-patch+yaml" ? "application/yaml" : "application/json",
    )
    const replicas = isObject(patch.spec) ? patch.spec.replicas : undefined
    const resourceVersion = current.metadata.resourceVersion
    return {
      metadata: resourceVersion === undefined ? {} : { resourceVersion },
      spec: { replicas: replicas ?? current.spec.replicas },
    }
  }

  private deleteOptions(raw: string, query: URLSearchParams): DeleteOptions {
    const body = raw.trim() ? this.decode(raw, "application/json") : {}
    const policy = (query.get("propagationPolicy") ?? body.propagationPolicy) as
      | DeleteOptions["propagationPolicy"]
      | undefined
    if (policy !== undefined && !["Background", "Foreground", "Orphan"].includes(policy))
      throw new ApiError(
        422,
        "Invalid",
        `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan", "nil"`,
      )
    const orphan = query.get("orphanDependents") ?? body.orphanDependents
    const grace = query.get("gracePeriodSeconds") ?? body.gracePeriodSeconds
    const preconditions = isObject(body.preconditions) ? body.preconditions : undefined
    const dryRun = Array.isArray(body.dryRun) && body.dryRun.includes("All")
    return {
      ...(policy
        ? { propagationPolicy: policy }
        : orphan === true || orphan === "true"
          ? { propagationPolicy: "Orphan" as const }
          : orphan === false || orphan === "false"
            ? { propagationPolicy: "Background" as const }
            : {}),
      ...(grace !== undefined && grace !== null ? { gracePeriodSeconds: Number(grace) } : {}),
      ...(preconditions
        ? {
            preconditions: {
              ...(typeof preconditions.uid === "string" ? { uid: preconditions.uid } : {}),
              ...(typeof preconditions.resourceVersion === "string"
                ? { resourceVersion: preconditions.resourceVersion }
                : {}),
            },
          }
        : {}),
      ...(dryRun ? { dryRun } : {}),
    }
  }

  private serveLog(res: ServerResponse, pod: KObject, query: URLSearchParams) {
    const container = query.get("container") ?? undefined
    const tail = query.has("tailLines") ? Number(query.get("tailLines")) : undefined
    const text = this.logs.read(pod, container)
    const lines = text.length > 0 ? text.replace(/\n$/, "").split("\n") : []
    const shown = tail !== undefined ? lines.slice(Math.max(0, lines.length - tail)) : lines
    if (query.get("follow") !== "true") {
      res.writeHead(200, { "Content-Type": "text/plain" })
      res.end(shown.map((l) => `${l}\n`).join(""))
      return
    }
    res.writeHead(200, { "Content-Type": "text/plain", "Transfer-Encoding": "chunked" })
    res.flushHeaders()
    for (const line of shown) res.write(`${line}\n`)
    const stop = this.logs.follow(
      pod,
      container,
      (line) => res.write(`${line}\n`),
      () => res.end(),
    )
    res.on("close", stop)
  }

  private watch(
    req: IncomingMessage,
    res: ServerResponse,
    type: ResourceType,
    namespace: string | undefined,
    name: string | undefined,
    query: URLSearchParams,
  ) {
    const labels = parseLabelSelector(query.get("labelSelector"))
    const fields = [
      ...parseFieldSelector(query.get("fieldSelector"), type.kind),
      ...(name !== undefined ? [{ field: "metadata.name", operator: "=" as const, value: name }] : []),
    ]
    const filter = { namespace, labels, fields }
    const rv = query.get("resourceVersion")
    const sendInitialEvents = query.get("sendInitialEvents") === "true"
    const bookmarks = query.get("allowWatchBookmarks") === "true"
    if (sendInitialEvents && query.get("resourceVersionMatch") !== "NotOlderThan")
      throw new ApiError(
        422,
        "Invalid",
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
      )
    if (rv !== null && rv !== "" && Number.isNaN(Number(rv))) throw badRequest(`invalid resource version: ${rv}`)
    const store = this.cluster.store
    res.writeHead(200, {
      "Content-Type": "application/json",
      "Transfer-Encoding": "chunked",
      "Cache-Control": "no-cache, private",
    })
    res.flushHeaders()
    const write = (eventType: string, object: unknown) => {
      if (!res.writableEnded) res.write(`${JSON.stringify({ type: eventType, object })}\n`)
    }
    let backlog: ReturnType<typeof store.eventsSince> = []
    try {
      if (!sendInitialEvents && rv !== null && rv !== "" && rv !== "0") backlog = store.eventsSince(type, Number(rv))
    } catch (error) {
      if (error instanceof ApiError) {
        write("ERROR", error.status)
        res.end()
        return
      }
      throw error
    }
    const initial = sendInitialEvents || rv === null || rv === "" || rv === "0"
    const watcher: Watcher = { resource: type, filter, send: write }
    const unwatch = store.addWatcher(watcher)
    let timer: NodeJS.Timeout | undefined
    const open: OpenWatch = {
      res,
      type,
      bookmarks,
      close: (abrupt) => {
        if (abrupt) res.destroy()
        else res.end()
      },
    }
    this.watches.add(open)
    const cleanup = () => {
      unwatch()
      this.watches.delete(open)
      if (timer) clearTimeout(timer)
    }
    res.on("close", cleanup)
    req.on("close", cleanup)
    if (initial) {
      for (const obj of store.list(type, namespace)) if (matchesFilter(filter, obj)) write("ADDED", obj)
      if (sendInitialEvents) {
        write("BOOKMARK", {
          kind: type.kind,
          apiVersion: apiVersionOf(type),
          metadata: {
            resourceVersion: String(store.resourceVersion),
            annotations: { "k8s.io/initial-events-end": "true" },
          },
        })
      }
    }
    for (const event of backlog) deliver(watcher, event)
    const timeoutSeconds = query.get("timeoutSeconds")
    if (timeoutSeconds !== null && Number(timeoutSeconds) > 0)
      timer = setTimeout(() => res.end(), Number(timeoutSeconds) * 1000)
  }
}

/** What kube-apiserver records as the manager when none is given: the user agent up to its first "/". */
const defaultManager = (userAgent: string | undefined): string => (userAgent ?? "unknown").split("/")[0]!.slice(0, 128)
