import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo, Socket } from "node:net"
import { type Faults, isWrite, type RequestInfo, type Verb } from "../Faults.ts"
import type { Security } from "../security/Security.ts"
import type { Cluster } from "./Cluster.ts"
import { serveList, Watches } from "./ListWatch.ts"
import { type LogSource, serveLog } from "./Logs.ts"
import { classify, routeOf } from "./Routing.ts"
import {
  ApiError,
  badRequest,
  conflict,
  internal,
  methodNotAllowed,
  timeout,
  tooManyRequests,
  unavailable,
} from "./Status.ts"
import { fieldValidationOf } from "./UnknownFields.ts"
import { decode, defaultManager, fail, json, mediaType, readBody } from "./Wire.ts"
import { serveWrite } from "./WriteRequests.ts"

export interface RequestStats {
  requests: number
  writes: number
  byVerb: Partial<Record<Verb, number>>
}

/**
 * kube-apiserver's HTTP surface over a Cluster: discovery, the resource paths (namespaced and cluster-scoped, with
 * status, scale and log subresources), list/watch with bookmarks, and Status bodies for every failure.
 */
export class ApiServer {
  private server: Server | undefined
  private readonly sockets = new Set<Socket>()
  private readonly watches: Watches
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
    this.watches = new Watches(cluster)
    faults.dropWatchesHook = (abrupt) => this.dropWatches(abrupt)
    faults.outageHook = () => {
      this.dropWatches(true)
      for (const socket of this.sockets) socket.destroy()
    }
  }

  async listen(port: number, host = "127.0.0.1"): Promise<string> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) fail(res, error)
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
    this.watches.bookmark()
  }

  get openWatches(): number {
    return this.watches.size
  }

  private dropWatches(abrupt: boolean): number {
    return this.watches.drop(abrupt)
  }

  private hostPort(): string {
    const address = this.server?.address() as AddressInfo | undefined
    return address ? `127.0.0.1:${address.port}` : "127.0.0.1"
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
    const route = routeOf(url.pathname, this.cluster.registry, () => this.hostPort())
    const verb = classify(method, route, url.searchParams, contentType)
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
      fail(res, error)
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
    const sub = route.subresource
    if (sub === "token" && type.kind === "ServiceAccount" && verb === "create") {
      const body = decode(await readBody(req), contentType)
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
    const fieldValidation = fieldValidationOf(query.get("fieldValidation"))

    switch (verb) {
      case "get": {
        const obj = this.cluster.get(type, route.namespace, route.name!)
        if (sub === "scale") return json(res, 200, this.cluster.scale(obj))
        if (sub === "log") return serveLog(res, this.logs, obj, query)
        return json(res, 200, obj)
      }
      case "list":
        return serveList(res, this.cluster, type, route.namespace, query)
      case "watch":
        return this.watches.serve(req, res, type, route.namespace, route.name, query)
      default:
        return serveWrite(this.cluster, req, res, {
          verb,
          method,
          type,
          namespace: route.namespace,
          name: route.name,
          subresource: sub,
          query,
          contentType,
          manager,
          dryRun: isDryRun,
          fieldValidation,
        })
    }
  }
}
