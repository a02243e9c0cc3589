import {
  HttpMethod,
  IsomorphicFetchHttpLibrary,
  KubeConfig,
  KubernetesObjectApi,
  RequestContext,
  type V1APIResource,
} from "@kubernetes/client-node"
import { KubeObject as Objects } from "@starform/manifests"
import { Context, Effect, Layer, Stream } from "effect"
import { fromResponse, fromTransport, type KubeError, Rejected, Unavailable } from "./KubeErrors.ts"
import {
  type ApplyOptions,
  type DeleteOptions,
  describe,
  type KubeConfigOptions,
  type KubeObject,
  type KubeSettings,
  type ListQuery,
  type ListResult,
  type ObjectRef,
  type ResourceInfo,
  selectorText,
  type Unstructured,
  type WatchEvent,
  type WatchQuery,
  type WriteOptions,
} from "./Requests.ts"
import * as Watches from "./Watches.ts"

const applyPatch = "application/apply-patch+yaml"
const mergePatchType = "application/merge-patch+json"

interface RawResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly text: string
}

/**
 * The one client of the Kubernetes API, over `@kubernetes/client-node`: typed server-side apply, reads, lists,
 * watches as Streams, deletes and status patches, each failing with a tagged error (Conflict, NotFound, Gone,
 * Invalid, Unavailable, Rejected).
 *
 * Writes go out as raw requests through the client's own request machinery (its auth, TLS and fetch), not
 * through `KubernetesObjectApi.patch`: that path serializes objects through the generated models, which silently
 * drop fields the models do not know on built-in kinds.
 */
export class Kube extends Context.Service<
  Kube,
  {
    readonly apply: <A extends KubeObject>(object: A, options: ApplyOptions) => Effect.Effect<A, KubeError>
    /** Server-side apply to the `/status` subresource (controllers reporting status). */
    readonly applyStatus: <A extends KubeObject>(object: A, options: ApplyOptions) => Effect.Effect<A, KubeError>
    readonly get: <A extends KubeObject = Unstructured>(ref: ObjectRef) => Effect.Effect<A, KubeError>
    readonly list: <A extends KubeObject = Unstructured>(query: ListQuery) => Effect.Effect<ListResult<A>, KubeError>
    /** Every page of a list, following `continue` tokens. */
    readonly listAll: <A extends KubeObject = Unstructured>(query: ListQuery) => Effect.Effect<ListResult<A>, KubeError>
    /**
     * One watch connection as a Stream. It ends when the server closes the watch (resume from the last
     * resourceVersion seen) and fails with Gone when that version is too old (list again).
     */
    readonly watch: <A extends KubeObject = Unstructured>(query: WatchQuery) => Stream.Stream<WatchEvent<A>, KubeError>
    readonly create: <A extends KubeObject>(object: A, options?: WriteOptions) => Effect.Effect<A, KubeError>
    /** PUT: with `metadata.resourceVersion` set, fails with Conflict if the object changed since. */
    readonly replace: <A extends KubeObject>(object: A, options?: WriteOptions) => Effect.Effect<A, KubeError>
    readonly delete: (ref: ObjectRef, options?: DeleteOptions) => Effect.Effect<void, KubeError>
    /** A JSON merge patch of `status` through the `/status` subresource. */
    readonly patchStatus: <A extends KubeObject = Unstructured>(
      ref: ObjectRef,
      status: unknown,
      options?: WriteOptions,
    ) => Effect.Effect<A, KubeError>
    /** A JSON merge patch (RFC 7386) of the object. */
    readonly mergePatch: <A extends KubeObject = Unstructured>(
      ref: ObjectRef,
      patch: unknown,
      options?: WriteOptions,
    ) => Effect.Effect<A, KubeError>
    /** Discovery for one kind (cached per apiVersion after the first call). */
    readonly resource: (apiVersion: string, kind: string) => Effect.Effect<ResourceInfo, KubeError>
    /** The API server's base URL. */
    readonly server: string
    /** A pod's output so far (`pods/log`, not following), as text: one line per line written. */
    readonly podLog: (ref: {
      readonly namespace: string
      readonly name: string
      readonly container?: string
    }) => Effect.Effect<string, KubeError>
  }
>()("starform/Kube") {
  /** From a kubeconfig given as options (e.g. `sim.kubeConfig` from KubeSim). */
  static readonly layerFromOptions = (options: KubeConfigOptions, settings: KubeSettings = {}) =>
    Layer.sync(Kube, () => {
      const kc = new KubeConfig()
      kc.loadFromOptions(options)
      return make(kc, settings)
    })

  /** From a kubeconfig file's contents. */
  static readonly layerFromYaml = (text: string, settings: KubeSettings = {}) =>
    Layer.sync(Kube, () => {
      const kc = new KubeConfig()
      kc.loadFromString(text)
      return make(kc, settings)
    })

  /** `KUBECONFIG`, then `~/.kube/config`, then the in-cluster service account. */
  static readonly layerFromDefault = (settings: KubeSettings = {}) =>
    Layer.sync(Kube, () => {
      const kc = new KubeConfig()
      kc.loadFromDefault()
      return make(kc, settings)
    })
}

/** The client's discovery (cached per apiVersion), which it keeps protected. */
class Discovery extends KubernetesObjectApi {
  find(apiVersion: string, kind: string): Promise<V1APIResource | undefined> {
    return this.resource(apiVersion, kind)
  }
}

const make = (kc: KubeConfig, settings: KubeSettings): Kube["Service"] => {
  const cluster = kc.getCurrentCluster()
  if (!cluster) throw new Error("kubeconfig names no current cluster: set current-context")
  const server = cluster.server.replace(/\/$/, "")
  const objects = kc.makeApiClient(Discovery)
  const http = new IsomorphicFetchHttpLibrary()
  const timeoutMs = settings.requestTimeoutMs ?? 30_000
  // The client builds a new connection pool (undici Agent) for TLS clusters on every request; one is enough.
  let dispatcher: ReturnType<RequestContext["getDispatcher"]>

  const send = Effect.fn("Kube.send")(function* (
    target: string,
    method: HttpMethod,
    path: string,
    query: Record<string, string | undefined>,
    body?: { readonly text: string; readonly contentType: string },
  ) {
    const url = new URL(server + path)
    for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, value)
    return yield* Effect.tryPromise({
      try: async (signal): Promise<RawResponse> => {
        const ctx = new RequestContext(url.toString(), method)
        ctx.setHeaderParam("Accept", "application/json")
        ctx.setHeaderParam("User-Agent", "starform-kube")
        if (body) {
          ctx.setHeaderParam("Content-Type", body.contentType)
          ctx.setBody(body.text)
        }
        await kc.applySecurityAuthentication(ctx)
        const fresh = ctx.getDispatcher()
        if (fresh !== undefined) {
          if (dispatcher === undefined) dispatcher = fresh
          else if (fresh !== dispatcher) {
            ctx.setDispatcher(dispatcher)
            void fresh.close().catch(() => undefined)
          }
        }
        ctx.setSignal(AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]))
        const response = await http.send(ctx).toPromise()
        return { status: response.httpStatusCode, headers: response.headers, text: await response.body.text() }
      },
      catch: (error) => fromTransport(target, error),
    })
  })

  const call = <A>(
    target: string,
    method: HttpMethod,
    path: string,
    query: Record<string, string | undefined> = {},
    body?: { readonly text: string; readonly contentType: string },
  ): Effect.Effect<A, KubeError> =>
    send(target, method, path, query, body).pipe(
      Effect.flatMap((response) => {
        if (response.status >= 200 && response.status < 300) {
          try {
            return Effect.succeed((response.text ? JSON.parse(response.text) : {}) as A)
          } catch {
            return Effect.fail(
              new Unavailable({
                target,
                detail: `answer was not JSON: ${response.text.slice(0, 200)}`,
                status: response.status,
              }),
            )
          }
        }
        return Effect.fail(fromResponse(target, response.status, response.text, response.headers))
      }),
    )

  const resource = Effect.fn("Kube.resource")(function* (apiVersion: string, kind: string) {
    const target = `${kind} (${apiVersion})`
    const found: V1APIResource | undefined = yield* Effect.tryPromise({
      try: () => objects.find(apiVersion, kind),
      catch: (error) => {
        const code = (error as { code?: unknown }).code
        const body = (error as { body?: unknown }).body
        // ApiException carries the answer's body as a JSON string.
        return typeof code === "number"
          ? fromResponse(target, code, typeof body === "string" ? body : JSON.stringify(body ?? ""))
          : fromTransport(target, error)
      },
    })
    if (!found) {
      return yield* new Rejected({
        target,
        detail: `the server has no resource of kind "${kind}" in version "${apiVersion}"`,
        status: 404,
        reason: "NotFound",
      })
    }
    return { plural: found.name, namespaced: found.namespaced, verbs: found.verbs } satisfies ResourceInfo
  })

  const base = (apiVersion: string) => (apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`)

  const pathOf = Effect.fn("Kube.path")(function* (
    ref: {
      readonly apiVersion: string
      readonly kind: string
      readonly namespace?: string | undefined
      readonly name?: string | undefined
    },
    subresource?: string,
  ) {
    const info = yield* resource(ref.apiVersion, ref.kind)
    if (info.namespaced && !ref.namespace && ref.name !== undefined) {
      return yield* new Rejected({
        target: describe(ref),
        detail: `${ref.kind} is namespaced: metadata.namespace is required`,
        status: 400,
        reason: "BadRequest",
      })
    }
    const parts = [base(ref.apiVersion)]
    if (info.namespaced && ref.namespace) parts.push("namespaces", encodeURIComponent(ref.namespace))
    parts.push(info.plural)
    if (ref.name !== undefined) parts.push(encodeURIComponent(ref.name))
    if (subresource) parts.push(subresource)
    return parts.join("/")
  })

  const applyTo = (subresource: string | undefined) =>
    Effect.fn("Kube.apply")(function* <A extends KubeObject>(object: A, options: ApplyOptions) {
      const ref = Objects.refOf(object)
      const target = describe(ref)
      yield* Effect.annotateCurrentSpan("kube.object", target)
      const path = yield* pathOf(ref, subresource)
      // JSON is YAML: sending it avoids YAML 1.1 coercions (an env value `on` read as true by the API server).
      return yield* call<A>(
        target,
        HttpMethod.PATCH,
        path,
        {
          fieldManager: options.fieldManager,
          ...(options.force ? { force: "true" } : {}),
          ...(options.dryRun ? { dryRun: "All" } : {}),
        },
        { text: JSON.stringify(object), contentType: applyPatch },
      )
    })

  const list = Effect.fn("Kube.list")(function* <A extends KubeObject>(query: ListQuery) {
    const target = describe(query)
    const path = yield* pathOf({ apiVersion: query.apiVersion, kind: query.kind, namespace: query.namespace })
    const raw = yield* call<{ metadata?: { resourceVersion?: string; continue?: string }; items?: A[] }>(
      target,
      HttpMethod.GET,
      path,
      {
        labelSelector: selectorText(query.labelSelector),
        fieldSelector: query.fieldSelector,
        limit: query.limit !== undefined ? String(query.limit) : undefined,
        continue: query.continue,
      },
    )
    // Built-in lists leave apiVersion and kind off their items; put them back so every object is self-describing.
    const items = (raw.items ?? []).map((item) => ({
      ...item,
      apiVersion: item.apiVersion ?? query.apiVersion,
      kind: item.kind ?? query.kind,
    }))
    const result: ListResult<A> = {
      items,
      resourceVersion: raw.metadata?.resourceVersion ?? "",
      ...(raw.metadata?.continue ? { continue: raw.metadata.continue } : {}),
    }
    return result
  })

  const listAll = Effect.fn("Kube.listAll")(function* <A extends KubeObject>(query: ListQuery) {
    const items: A[] = []
    let token: string | undefined
    let resourceVersion = ""
    do {
      const page: ListResult<A> = yield* list<A>({ ...query, continue: token })
      items.push(...page.items)
      resourceVersion = page.resourceVersion
      token = page.continue
    } while (token)
    return { items, resourceVersion } satisfies ListResult<A>
  })

  const watch = <A extends KubeObject>(query: WatchQuery): Stream.Stream<WatchEvent<A>, KubeError> =>
    Stream.unwrap(
      Effect.gen(function* () {
        const target = describe(query)
        const path = yield* pathOf({ apiVersion: query.apiVersion, kind: query.kind, namespace: query.namespace })
        return Watches.follow<A>(kc, path, query, target)
      }),
    )

  const get = Effect.fn("Kube.get")(function* <A extends KubeObject>(ref: ObjectRef) {
    const path = yield* pathOf(ref)
    return yield* call<A>(describe(ref), HttpMethod.GET, path)
  })

  const patchStatus = Effect.fn("Kube.patchStatus")(function* <A extends KubeObject>(
    ref: ObjectRef,
    status: unknown,
    options: WriteOptions = {},
  ) {
    const path = yield* pathOf(ref, "status")
    return yield* call<A>(
      describe(ref),
      HttpMethod.PATCH,
      path,
      { fieldManager: options.fieldManager, ...(options.dryRun ? { dryRun: "All" } : {}) },
      { text: JSON.stringify({ status }), contentType: mergePatchType },
    )
  })

  const mergePatch = Effect.fn("Kube.mergePatch")(function* <A extends KubeObject>(
    ref: ObjectRef,
    patch: unknown,
    options: WriteOptions = {},
  ) {
    const path = yield* pathOf(ref)
    return yield* call<A>(
      describe(ref),
      HttpMethod.PATCH,
      path,
      { fieldManager: options.fieldManager, ...(options.dryRun ? { dryRun: "All" } : {}) },
      { text: JSON.stringify(patch), contentType: mergePatchType },
    )
  })

  return Kube.of({
    server,
    resource,
    podLog: Effect.fn("Kube.podLog")(function* (ref: {
      readonly namespace: string
      readonly name: string
      readonly container?: string
    }) {
      const target = `Pod ${ref.namespace}/${ref.name} log`
      const path = `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/pods/${encodeURIComponent(ref.name)}/log`
      const response = yield* send(target, HttpMethod.GET, path, { container: ref.container })
      if (response.status >= 200 && response.status < 300) return response.text
      return yield* Effect.fail(fromResponse(target, response.status, response.text, response.headers))
    }),
    apply: applyTo(undefined),
    applyStatus: applyTo("status"),
    get,
    list,
    listAll,
    watch,
    create: Effect.fn("Kube.create")(function* <A extends KubeObject>(object: A, options: WriteOptions = {}) {
      const ref = Objects.refOf(object)
      const path = yield* pathOf({ ...ref, name: undefined })
      return yield* call<A>(
        describe(ref),
        HttpMethod.POST,
        path,
        { fieldManager: options.fieldManager, ...(options.dryRun ? { dryRun: "All" } : {}) },
        { text: JSON.stringify(object), contentType: "application/json" },
      )
    }),
    replace: Effect.fn("Kube.replace")(function* <A extends KubeObject>(object: A, options: WriteOptions = {}) {
      const ref = Objects.refOf(object)
      const path = yield* pathOf(ref)
      return yield* call<A>(
        describe(ref),
        HttpMethod.PUT,
        path,
        { fieldManager: options.fieldManager, ...(options.dryRun ? { dryRun: "All" } : {}) },
        { text: JSON.stringify(object), contentType: "application/json" },
      )
    }),
    delete: Effect.fn("Kube.delete")(function* (ref: ObjectRef, options: DeleteOptions = {}) {
      const path = yield* pathOf(ref)
      const body = {
        kind: "DeleteOptions",
        apiVersion: "v1",
        ...(options.propagationPolicy ? { propagationPolicy: options.propagationPolicy } : {}),
        ...(options.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: options.gracePeriodSeconds } : {}),
        ...(options.preconditions ? { preconditions: options.preconditions } : {}),
        ...(options.dryRun ? { dryRun: ["All"] } : {}),
      }
      yield* call<unknown>(
        describe(ref),
        HttpMethod.DELETE,
        path,
        {},
        { text: JSON.stringify(body), contentType: "application/json" },
      )
    }),
    patchStatus,
    mergePatch,
  })
}
