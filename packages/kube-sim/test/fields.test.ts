import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { KubeSim, type Simulator } from "../src/index.ts"
import { adminHeader, clients, type Doc, deployment, failure } from "./support/Clients.ts"

/** Fields a kind's upstream schema does not declare, and what the schemas refuse, as the API server treats them. */

let sim: Simulator
let c: ReturnType<typeof clients>

beforeAll(async () => {
  sim = await KubeSim.start({ clock: "manual" })
  c = clients(sim)
  await c.core.createNamespace({ body: { metadata: { name: "fields" } } })
})
afterAll(() => sim.stop())

/** A Deployment with a misspelt field in its spec and one in its first container. */
const withTypos = (name: string): Doc => {
  const body: Doc = deployment("fields", name, { replicas: 1 })
  body.spec.replicaz = 3
  body.spec.template.spec.containers[0].imagePullPolicyy = "Always"
  return body
}

const send = async (method: string, path: string, body: unknown, contentType = "application/json") => {
  const response = await fetch(`${sim.url}${path}`, {
    method,
    headers: { ...adminHeader(sim), "Content-Type": contentType },
    body: JSON.stringify(body),
  })
  return { status: response.status, warnings: response.headers.get("warning"), body: (await response.json()) as Doc }
}

const deployments = "/apis/apps/v1/namespaces/fields/deployments"
// In the order a decoder meets them: the container's typo comes before the field added after the template.
const unknownWarnings =
  '299 - "unknown field \\"spec.template.spec.containers[0].imagePullPolicyy\\"", 299 - "unknown field \\"spec.replicaz\\""'

describe("unknown fields", () => {
  it("are dropped with a Warning header by default, as for a client that names no fieldValidation", async () => {
    const created = await send("POST", deployments, withTypos("lenient"))
    expect(created.status).toBe(201)
    expect(created.warnings).toBe(unknownWarnings)
    expect(created.body.spec.replicaz).toBeUndefined()
    expect(created.body.spec.replicas).toBe(1)
    expect(created.body.spec.template.spec.containers[0].imagePullPolicyy).toBeUndefined()
    // Through the real client too: the object it reads back has no trace of them.
    const read = (await c.custom.getNamespacedCustomObject({
      group: "apps",
      version: "v1",
      namespace: "fields",
      plural: "deployments",
      name: "lenient",
    })) as Doc
    expect(read.spec.replicaz).toBeUndefined()
    // Labels, annotations and other maps take any key; a known field is never reported.
    const clean = await send("POST", deployments, deployment("fields", "clean"))
    expect(clean.warnings).toBeNull()
  })

  it("are refused with 400 under Strict, through @kubernetes/client-node", async () => {
    const refused = await failure(
      c.custom.createNamespacedCustomObject({
        group: "apps",
        version: "v1",
        namespace: "fields",
        plural: "deployments",
        body: withTypos("strict"),
        fieldValidation: "Strict",
      }),
    )
    expect(refused.code).toBe(400)
    expect(refused.reason).toBe("BadRequest")
    expect(refused.message).toBe(
      'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.template.spec.containers[0].imagePullPolicyy", unknown field "spec.replicaz"',
    )
    expect(sim.get("apps/v1", "Deployment", "fields", "strict")).toBeUndefined()
  })

  it("Ignore drops them without a word; updates and merge patches are checked as creates are", async () => {
    const ignored = await send("POST", `${deployments}?fieldValidation=Ignore`, withTypos("quiet"))
    expect(ignored.status).toBe(201)
    expect(ignored.warnings).toBeNull()
    expect(ignored.body.spec.replicaz).toBeUndefined()
    const patched = await send(
      "PATCH",
      `${deployments}/quiet`,
      { spec: { paused: true, pausd: true } },
      "application/merge-patch+json",
    )
    expect(patched.status).toBe(200)
    expect(patched.warnings).toBe('299 - "unknown field \\"spec.pausd\\""')
    expect(patched.body.spec.paused).toBe(true)
    const strict = await send(
      "PATCH",
      `${deployments}/quiet?fieldValidation=Strict`,
      { spec: { pausd: false } },
      "application/merge-patch+json",
    )
    expect(strict.status).toBe(400)
    expect(strict.body.message).toContain('strict decoding error: unknown field "spec.pausd"')
    const current = await c.apps.readNamespacedDeployment({ namespace: "fields", name: "quiet" })
    const replaced = await send("PUT", `${deployments}/quiet`, { ...current, extra: 1 })
    expect(replaced.status).toBe(200)
    expect(replaced.warnings).toBe('299 - "unknown field \\"extra\\""')
    expect(await send("POST", `${deployments}?fieldValidation=Loose`, deployment("fields", "x"))).toMatchObject({
      status: 400,
    })
  })

  it("server-side apply reports them in structured-merge-diff's words", async () => {
    const body = { ...withTypos("applied"), status: undefined }
    const warned = await send("PATCH", `${deployments}/applied?fieldManager=ops`, body, "application/apply-patch+yaml")
    expect(warned.status).toBe(201)
    expect(warned.warnings).toContain('299 - ".spec.replicaz: field not declared in schema"')
    expect(warned.body.spec.replicaz).toBeUndefined()
    const refused = await send(
      "PATCH",
      `${deployments}/applied?fieldManager=ops&fieldValidation=Strict`,
      body,
      "application/apply-patch+yaml",
    )
    expect(refused.status).toBe(400)
    expect(refused.body.message).toBe(
      "failed to create typed patch object (apps/v1, Kind=Deployment): .spec.template.spec.containers[0].imagePullPolicyy: field not declared in schema, .spec.replicaz: field not declared in schema",
    )
  })

  it("in a custom resource are dropped by its CRD's schema too", async () => {
    const route = await send("POST", "/apis/gateway.networking.k8s.io/v1/namespaces/fields/httproutes", {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: "r" },
      spec: { parentRefs: [{ name: "eg", sectionNam: "https" }] },
    })
    expect(route.status).toBe(201)
    expect(route.warnings).toBe('299 - "unknown field \\"spec.parentRefs[0].sectionNam\\""')
  })
})

describe("the schemas' own rules", () => {
  it("a built-in kind's required fields and enums answer 422; a value of the wrong type cannot be decoded (400)", async () => {
    const body: Doc = deployment("fields", "rules")
    body.spec.strategy = { type: "BlueGreen" }
    delete body.spec.template.spec.containers[0].name
    const invalid = await send("POST", deployments, body)
    expect(invalid.status).toBe(422)
    expect(invalid.body.details.causes).toEqual(
      expect.arrayContaining([
        {
          reason: "FieldValueRequired",
          message: "Required value",
          field: "spec.template.spec.containers[0].name",
        },
        {
          reason: "FieldValueNotSupported",
          message: 'Unsupported value: "BlueGreen": supported values: "Recreate", "RollingUpdate"',
          field: "spec.strategy.type",
        },
      ]),
    )
    const typed: Doc = deployment("fields", "typed")
    typed.spec.replicas = "three"
    const undecodable = await send("POST", deployments, typed)
    expect(undecodable.status).toBe(400)
    expect(undecodable.body.message).toContain(
      'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field spec.replicas',
    )
  })

  it("a Gateway API route's patterns, bounds and list sizes come from its CRD schema", async () => {
    const route = await send("POST", "/apis/gateway.networking.k8s.io/v1/namespaces/fields/httproutes", {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: "bad" },
      spec: {
        parentRefs: Array.from({ length: 33 }, (_, i) => ({ name: `gw-${i}` })),
        hostnames: ["Not_A_Host"],
        rules: [{ backendRefs: [{ name: "api", port: 70000 }] }],
      },
    })
    expect(route.status).toBe(422)
    const causes = route.body.details.causes as Array<{ field: string; message: string }>
    expect(causes).toContainEqual(
      expect.objectContaining({ field: "spec.parentRefs", message: "Too many: 33: must have at most 32 items" }),
    )
    expect(causes).toContainEqual(
      expect.objectContaining({
        field: "spec.hostnames[0]",
        message: expect.stringContaining("spec.hostnames[0] in body should match '^(\\*\\.)?[a-z0-9]"),
      }),
    )
    expect(causes).toContainEqual(
      expect.objectContaining({
        field: "spec.rules[0].backendRefs[0].port",
        message: expect.stringContaining("in body should be less than or equal to 65535"),
      }),
    )
  })
})
