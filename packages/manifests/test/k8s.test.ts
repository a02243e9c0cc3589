import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Environment } from "@marcbachmann/cel-js"
import { parseAllDocuments } from "yaml"
import { Labels, Namespace, Options, Order, Render } from "../src/index.ts"
import * as Fixtures from "./fixtures.ts"
import { selects } from "./networkPolicy.ts"
import { schemaErrors } from "./schemas.ts"

/** The manifests in `k8s/`: valid by their kinds' schemas, and doing what they are there for. */

const root = join(import.meta.dirname, "..", "..", "..", "k8s")

interface Doc {
  readonly apiVersion: string
  readonly kind: string
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string> }
  // biome-ignore lint/suspicious/noExplicitAny: parsed YAML, read field by field in the assertions
  readonly [field: string]: any
}

const files = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : entry.name.endsWith(".yaml") ? [join(dir, entry.name)] : [],
  )

const sources = new Map<Doc, string>()
const documents: ReadonlyArray<Doc> = files(root).flatMap((file) =>
  parseAllDocuments(readFileSync(file, "utf8")).map((document) => {
    if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]?.message}`)
    const doc = document.toJS() as Doc
    sources.set(doc, file)
    return doc
  }),
)
const one = (kind: string, name?: string): Doc => {
  const found = documents.filter((doc) => doc.kind === kind && (name === undefined || doc.metadata.name === name))
  expect(found, `${kind} ${name ?? ""}`).toHaveLength(1)
  return found[0]!
}

describe("k8s/ manifests", () => {
  it("every document passes its kind's schema", () => {
    expect(documents.length).toBeGreaterThanOrEqual(10)
    for (const doc of documents) {
      expect(schemaErrors(doc), `${sources.get(doc)}: ${doc.kind}/${doc.metadata.name}`).toEqual([])
    }
  })

  it("a misplaced field in a custom kind fails its schema", () => {
    const policy = one("ClusterPolicy")
    expect(schemaErrors({ ...policy, spec: { ...policy.spec, validationFailureActon: "Enforce" } })).not.toEqual([])
    expect(schemaErrors({ ...one("VolumeSnapshotClass"), deletionPolicy: "Keep" })).not.toEqual([])
  })
})

describe("Shuttle's install", () => {
  it("runs one replica, replaced rather than doubled, as the service account the cluster role is bound to", () => {
    const deployment = one("Deployment", "shuttle")
    const account = one("ServiceAccount", "shuttle")
    const binding = one("ClusterRoleBinding", "starform-shuttle")
    expect(deployment.spec.replicas).toBe(1)
    expect(deployment.spec.strategy.type).toBe("Recreate")
    expect(deployment.spec.template.spec.serviceAccountName).toBe(account.metadata.name)
    expect(binding.subjects).toEqual([
      { kind: "ServiceAccount", name: account.metadata.name, namespace: account.metadata.namespace },
    ])
    expect(binding.roleRef.name).toBe(one("ClusterRole", "starform-shuttle").metadata.name)
    const container = deployment.spec.template.spec.containers[0]
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true })
  })

  const rules: ReadonlyArray<{ apiGroups: string[]; resources: string[]; verbs: string[] }> = one(
    "ClusterRole",
    "starform-shuttle",
  ).rules
  const can = (group: string, resource: string, verb: string) =>
    rules.some(
      (rule) => rule.apiGroups.includes(group) && rule.resources.includes(resource) && rule.verbs.includes(verb),
    )

  it("may apply and prune every kind Shuttle renders", () => {
    const resources: Record<string, [string, string]> = {
      Namespace: ["", "namespaces"],
      NetworkPolicy: ["networking.k8s.io", "networkpolicies"],
      Secret: ["", "secrets"],
      ConfigMap: ["", "configmaps"],
      PersistentVolumeClaim: ["", "persistentvolumeclaims"],
      Service: ["", "services"],
      Deployment: ["apps", "deployments"],
      CronJob: ["batch", "cronjobs"],
      HorizontalPodAutoscaler: ["autoscaling", "horizontalpodautoscalers"],
      HTTPRoute: ["gateway.networking.k8s.io", "httproutes"],
    }
    expect(Object.keys(resources).sort()).toEqual([...Order.kinds].sort())
    for (const kind of Order.kinds) {
      const [group, resource] = resources[kind]!
      for (const verb of ["get", "list", "watch", "patch", "delete"])
        expect(can(group, resource, verb), `${verb} ${resource}`).toBe(true)
    }
  })

  it("holds no wildcard, cannot create pods, and cannot touch RBAC", () => {
    for (const rule of rules) {
      expect([...rule.apiGroups, ...rule.resources, ...rule.verbs]).not.toContain("*")
      expect(rule.verbs).not.toContain("escalate")
      expect(rule.verbs).not.toContain("bind")
      expect(rule.apiGroups).not.toContain("rbac.authorization.k8s.io")
    }
    expect(can("", "pods", "create")).toBe(false)
    expect(can("", "pods", "delete")).toBe(false)
    expect(can("", "pods", "list")).toBe(true)
    expect(can("discovery.k8s.io", "endpointslices", "watch")).toBe(true)
  })
})

describe("admission policy", () => {
  const ids = Fixtures.environmentIds()
  const web = Fixtures.service(ids)
  const environment = Fixtures.environment(ids, [web])
  const namespace = Namespace.render(environment)
  const deployment = Render.service(web, Options.defaults).find((object) => object.kind === "Deployment") as Doc
  const podLabels: Record<string, string> = deployment.spec.template.metadata.labels

  const policy = one("ValidatingAdmissionPolicy", "starform-require-labels")
  const binding = one("ValidatingAdmissionPolicyBinding", "starform-require-labels")
  const cel = new Environment({ unlistedVariablesAreDyn: true })

  /** The policy's verdict on a pod, evaluating its CEL as the API server does: variables first, then each rule. */
  const verdict = (labels: Record<string, string> | undefined) => {
    const context: Record<string, unknown> = {
      object: { metadata: { generateName: "api-r1-", ...(labels === undefined ? {} : { labels }) } },
      namespaceObject: namespace,
    }
    const variables: Record<string, unknown> = {}
    for (const variable of policy.spec.variables) {
      variables[variable.name] = cel.evaluate(variable.expression, { ...context, variables })
    }
    for (const validation of policy.spec.validations) {
      if (cel.evaluate(validation.expression, { ...context, variables }) !== true) {
        return validation.messageExpression
          ? String(cel.evaluate(validation.messageExpression, { ...context, variables }))
          : String(validation.message)
      }
    }
    return "allowed"
  }

  it("applies, denying, to pods in the namespaces Shuttle creates and not elsewhere", () => {
    expect(binding.spec.policyName).toBe(policy.metadata.name)
    expect(binding.spec.validationActions).toEqual(["Deny"])
    expect(policy.spec.failurePolicy).toBe("Fail")
    expect(policy.spec.matchConstraints.resourceRules[0]).toMatchObject({
      resources: ["pods"],
      operations: ["CREATE", "UPDATE"],
    })
    expect(selects(binding.spec.matchResources.namespaceSelector, namespace.metadata.labels ?? {})).toBe(true)
    expect(
      selects(binding.spec.matchResources.namespaceSelector, one("Namespace", "starform-system").metadata.labels ?? {}),
    ).toBe(false)
  })

  it("admits the pods Shuttle renders", () => {
    expect(verdict(podLabels)).toBe("allowed")
  })

  it("refuses a pod without the labels, naming the missing ones", () => {
    expect(verdict(undefined)).toMatch(/missing: starform\.io\/workspace-id, starform\.io\/project-id, .*deployment-id/)
    const { [Labels.serviceId]: _, ...withoutService } = podLabels
    expect(verdict(withoutService)).toBe(
      "pods in a Starform namespace need every starform.io/* label; missing: starform.io/service-id",
    )
    expect(verdict({ ...podLabels, [Labels.deploymentId]: "" })).toMatch(/missing: starform\.io\/deployment-id$/)
  })

  it("refuses a pod claiming another environment than its namespace's", () => {
    expect(verdict({ ...podLabels, [Labels.environment]: "staging" })).toMatch(/must match its namespace/)
  })

  it("the Kyverno policy enforces the same labels on the same namespaces", () => {
    const kyverno = one("ClusterPolicy", "starform-require-labels")
    const rule = kyverno.spec.rules[0]
    expect(rule.validate.failureAction).toBe("Enforce")
    expect(Object.keys(rule.validate.pattern.metadata.labels).sort()).toEqual([...Labels.podRequired].sort())
    expect(Object.values(rule.validate.pattern.metadata.labels)).toEqual(Labels.podRequired.map(() => "?*"))
    expect(rule.match.any[0].resources.kinds).toEqual(["Pod"])
    expect(rule.match.any[0].resources.namespaceSelector).toEqual(binding.spec.matchResources.namespaceSelector)
    const celList = policy.spec.variables.find((v: { name: string }) => v.name === "missing").expression
    for (const key of Labels.podRequired) expect(celList).toContain(`'${key}'`)
  })
})

describe("storage", () => {
  it("the class Shuttle's PVCs name exists, on the DigitalOcean CSI driver, and can grow; snapshots keep the backup", () => {
    const ids = Fixtures.environmentIds()
    const web = Fixtures.service(ids, {
      volumes: [{ name: "data", sizeGb: 5, mountPath: "/data", storageClass: "do-block-storage" }],
    })
    const pvc = Render.environment(Fixtures.environment(ids, [web])).find(
      (o) => o.kind === "PersistentVolumeClaim",
    ) as Doc
    const storageClass = one("StorageClass", pvc.spec.storageClassName)
    expect(storageClass.provisioner).toBe("dobs.csi.digitalocean.com")
    expect(storageClass.allowVolumeExpansion).toBe(true)
    const snapshots = one("VolumeSnapshotClass")
    expect(snapshots.driver).toBe(storageClass.provisioner)
    expect(snapshots.deletionPolicy).toBe("Retain")
  })
})
