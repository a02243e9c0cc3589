import type { IncomingMessage, ServerResponse } from "node:http"
import type { Verb } from "../Faults.ts"
import { isObject, type JsonObject } from "../Json.ts"
import { type KObject, objectFrom } from "../Objects.ts"
import type { Cluster, DeleteOptions } from "./Cluster.ts"
import { jobOrphansPods } from "./Deletion.ts"
import { patchTypes } from "./Patch.ts"
import { apiVersionOf, type ResourceType } from "./Registry.ts"
import { ApiError, methodNotAllowed, unsupportedMediaType } from "./Status.ts"
import type { FieldValidation } from "./UnknownFields.ts"
import { decode, json, readBody } from "./Wire.ts"

/** A write request as routed and checked by the server: what is written, by whom, and how. */
export interface WriteRequest {
  readonly verb: Verb
  readonly method: string
  readonly type: ResourceType
  readonly namespace: string | undefined
  readonly name: string | undefined
  readonly subresource: string | undefined
  readonly query: URLSearchParams
  readonly contentType: string
  readonly manager: string
  readonly dryRun: boolean
  readonly fieldValidation: FieldValidation
}

/** create, update, patch, apply, delete and deletecollection, on an object or its status and scale subresources. */
export const serveWrite = async (
  cluster: Cluster,
  req: IncomingMessage,
  res: ServerResponse,
  request: WriteRequest,
): Promise<void> => {
  const { verb, method, type, query, contentType, manager, fieldValidation } = request
  const isDryRun = request.dryRun
  const route = { namespace: request.namespace, name: request.name }
  const sub = request.subresource
  const scope = sub === "status" ? "status" : ""
  // What a write has to say besides its answer: `Warning: 299 - "…"` headers, as the API server sends them.
  const warnings: string[] = []
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
    case "create": {
      if (route.name !== undefined) throw methodNotAllowed(method)
      const body = decode(await readBody(req), contentType)
      const created = cluster.create(type, route.namespace, objectFrom(body), {
        manager,
        dryRun: isDryRun,
        fieldValidation,
        warnings,
      })
      return reply(201, created)
    }
    case "update": {
      const body = decode(await readBody(req), contentType)
      if (sub === "scale")
        return json(
          res,
          200,
          cluster.scale(cluster.updateScale(type, route.namespace, route.name!, body, { manager, dryRun: isDryRun })),
        )
      const updated = cluster.update(type, route.namespace, route.name!, objectFrom(body), {
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
        const current = cluster.scale(cluster.get(type, route.namespace, route.name!))
        const patchedScale = patchScale(current, contentType, raw)
        return json(
          res,
          200,
          cluster.scale(
            cluster.updateScale(type, route.namespace, route.name!, patchedScale, { manager, dryRun: isDryRun }),
          ),
        )
      }
      const result = cluster.patch(type, route.namespace, route.name!, contentType, raw, {
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
      const options = deleteOptions(raw, query)
      const result = cluster.delete(type, route.namespace, route.name!, {
        ...options,
        dryRun: isDryRun || options.dryRun === true,
        warnings,
      })
      if (result.deleted && type.kind !== "Pod") return reply(200, cluster.successStatus(type, result.object))
      return reply(200, result.object)
    }
    case "deletecollection": {
      const raw = await readBody(req)
      const options = deleteOptions(raw, query)
      const targets = cluster.list(type, route.namespace, {
        labelSelector: query.get("labelSelector"),
        fieldSelector: query.get("fieldSelector"),
      }).items
      const out: KObject[] = []
      for (const target of targets) {
        const result = cluster.delete(type, target.metadata.namespace, target.metadata.name ?? "", {
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
        metadata: { resourceVersion: String(cluster.store.resourceVersion) },
        items: out,
      })
    }
    default:
      throw methodNotAllowed(method)
  }
}

const patchScale = (current: ReturnType<Cluster["scale"]>, contentType: string, raw: string): JsonObject => {
  const patch = decode(raw, contentType === "application/apply-patch+yaml" ? "application/yaml" : "application/json")
  const replicas = isObject(patch.spec) ? patch.spec.replicas : undefined
  const resourceVersion = current.metadata.resourceVersion
  return {
    metadata: resourceVersion === undefined ? {} : { resourceVersion },
    spec: { replicas: replicas ?? current.spec.replicas },
  }
}

/** DeleteOptions from the query and the body, the query winning, as the API server reads them. */
const deleteOptions = (raw: string, query: URLSearchParams): DeleteOptions => {
  const body = raw.trim() ? decode(raw, "application/json") : {}
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
