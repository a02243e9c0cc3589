import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { parseAllDocuments } from "yaml"
import type { KObject } from "../src/Objects.ts"
import { evaluate, type PolicySource, refusal } from "../src/security/AdmissionPolicies.ts"
import type { AdmissionRequest } from "../src/security/PolicyMatch.ts"

/** ValidatingAdmissionPolicy evaluation, with real CEL, on the repository's own policy and on small ones. */

const repoPolicy = parseAllDocuments(
  readFileSync(
    join(import.meta.dirname, "..", "..", "..", "k8s", "policy", "validating-admission-policy.yaml"),
    "utf8",
  ),
).map((doc) => doc.toJS() as KObject)

const customer: KObject = {
  apiVersion: "v1",
  kind: "Namespace",
  metadata: {
    name: "p1-production",
    labels: { "starform.io/project-id": "p1", "starform.io/environment": "production" },
  },
}
const labels = {
  "starform.io/workspace-id": "w1",
  "starform.io/project-id": "p1",
  "starform.io/environment": "production",
  "starform.io/service-id": "s1",
  "starform.io/deployment-id": "d1",
}
const pod = (podLabels?: Record<string, string>, name = "api-1"): KObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "p1-production", ...(podLabels ? { labels: podLabels } : {}) },
  spec: { containers: [{ name: "app", image: "app:v1" }] },
})
const podRequest = (
  object: KObject,
  namespaceObject: KObject | null = customer,
  extra: Partial<AdmissionRequest> = {},
): AdmissionRequest => ({
  operation: "CREATE",
  group: "",
  version: "v1",
  kind: "Pod",
  resource: "pods",
  subresource: "",
  namespaced: true,
  name: object.metadata.name ?? "",
  namespace: object.metadata.namespace ?? "",
  object,
  oldObject: null,
  namespaceObject,
  userInfo: { username: "system:serviceaccount:kube-system:replicaset-controller", groups: ["system:authenticated"] },
  dryRun: false,
  ...extra,
})
const source = (objects: ReadonlyArray<KObject>, params: ReadonlyArray<KObject> = []): PolicySource => ({
  policies: objects.filter((o) => o.kind === "ValidatingAdmissionPolicy"),
  bindings: objects.filter((o) => o.kind === "ValidatingAdmissionPolicyBinding"),
  params: (_kind, namespace, name) =>
    params.filter(
      (p) =>
        (name === undefined || p.metadata.name === name) &&
        (namespace === undefined || p.metadata.namespace === namespace),
    ),
})

describe("k8s/policy's ValidatingAdmissionPolicy", () => {
  it("refuses a pod without the starform.io labels in a customer namespace, 403 Forbidden as its rule's reason says", () => {
    const request = podRequest(pod())
    const verdict = evaluate(request, source(repoPolicy))
    expect(verdict.denied?.message).toBe(
      "pods in a Starform namespace need every starform.io/* label; missing: starform.io/workspace-id, starform.io/project-id, starform.io/environment, starform.io/service-id, starform.io/deployment-id",
    )
    const error = refusal(verdict.denied!, request)
    expect(error.status).toMatchObject({
      code: 403,
      reason: "Forbidden",
      message: `pods "api-1" is forbidden: ValidatingAdmissionPolicy 'starform-require-labels' with binding 'starform-require-labels' denied request: ${verdict.denied!.message}`,
      details: { name: "api-1", kind: "pods" },
    })
  })

  it("admits the labelled pod, and any pod outside customer namespaces", () => {
    expect(evaluate(podRequest(pod(labels)), source(repoPolicy)).denied).toBeUndefined()
    const system: KObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: "kube-system" } }
    expect(evaluate(podRequest(pod(), system), source(repoPolicy)).denied).toBeUndefined()
  })

  it("refuses a pod claiming another environment than its namespace's", () => {
    const verdict = evaluate(podRequest(pod({ ...labels, "starform.io/environment": "staging" })), source(repoPolicy))
    expect(verdict.denied?.message).toBe(
      "a pod's starform.io/project-id and starform.io/environment labels must match its namespace's",
    )
  })

  it("judges updates too, but not status writes", () => {
    const old = pod(labels)
    const update = podRequest(pod(), customer, { operation: "UPDATE", oldObject: old })
    expect(evaluate(update, source(repoPolicy)).denied).toBeDefined()
    expect(evaluate({ ...update, subresource: "status" }, source(repoPolicy)).denied).toBeUndefined()
  })
})

const policy = (name: string, spec: object): KObject => ({
  apiVersion: "admissionregistration.k8s.io/v1",
  kind: "ValidatingAdmissionPolicy",
  metadata: { name },
  spec: spec as KObject["spec"],
})
const bindingOf = (name: string, policyName: string, spec: object = {}): KObject => ({
  apiVersion: "admissionregistration.k8s.io/v1",
  kind: "ValidatingAdmissionPolicyBinding",
  metadata: { name },
  spec: { policyName, validationActions: ["Deny"], ...spec } as KObject["spec"],
})
const replicas = (n: number): KObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "api", namespace: "web", labels: { tier: "web" } },
  spec: { replicas: n },
})
const deploymentRequest = (object: KObject): AdmissionRequest => ({
  ...podRequest(object, { apiVersion: "v1", kind: "Namespace", metadata: { name: "web", labels: { env: "test" } } }),
  group: "apps",
  kind: "Deployment",
  resource: "deployments",
})
const deploymentRules = {
  resourceRules: [
    { apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["deployments"] },
  ],
}

describe("ValidatingAdmissionPolicy", () => {
  it("without a message says which expression failed; without a reason it is 422 Invalid", () => {
    const objects = [
      policy("max", { matchConstraints: deploymentRules, validations: [{ expression: "object.spec.replicas <= 5" }] }),
      bindingOf("max-binding", "max"),
    ]
    const request = deploymentRequest(replicas(6))
    const verdict = evaluate(request, source(objects))
    expect(verdict.denied).toMatchObject({ message: "failed expression: object.spec.replicas <= 5", reason: "Invalid" })
    expect(refusal(verdict.denied!, request).status).toMatchObject({
      code: 422,
      reason: "Invalid",
      message:
        "deployments.apps \"api\" is forbidden: ValidatingAdmissionPolicy 'max' with binding 'max-binding' denied request: failed expression: object.spec.replicas <= 5",
    })
    expect(evaluate(deploymentRequest(replicas(5)), source(objects)).denied).toBeUndefined()
  })

  it("Warn and Audit bindings do not refuse: they warn and record", () => {
    const objects = [
      policy("max", {
        matchConstraints: deploymentRules,
        validations: [{ expression: "object.spec.replicas <= 5", message: "too many" }],
      }),
      bindingOf("warn", "max", { validationActions: ["Warn", "Audit"] }),
    ]
    const verdict = evaluate(deploymentRequest(replicas(9)), source(objects))
    expect(verdict.denied).toBeUndefined()
    expect(verdict.warnings).toEqual([
      "Validation failed for ValidatingAdmissionPolicy 'max' with binding 'warn': too many",
    ])
    expect(verdict.audited).toHaveLength(1)
  })

  it("an expression that errs refuses under failurePolicy Fail and is ignored under Ignore", () => {
    const spec = { matchConstraints: deploymentRules, validations: [{ expression: "object.spec.paused == false" }] }
    const failing = evaluate(deploymentRequest(replicas(1)), source([policy("p", spec), bindingOf("b", "p")]))
    expect(failing.denied?.message).toMatch(/^expression 'object.spec.paused == false' resulted in error: .*paused/)
    const ignoring = evaluate(
      deploymentRequest(replicas(1)),
      source([policy("p", { ...spec, failurePolicy: "Ignore" }), bindingOf("b", "p")]),
    )
    expect(ignoring.denied).toBeUndefined()
  })

  it("bindings narrow by namespace and object selectors; matchConditions and exclusions skip", () => {
    const spec = { matchConstraints: deploymentRules, validations: [{ expression: "false", message: "no" }] }
    const deny = (bindingSpec: object, policySpec: object = spec) =>
      evaluate(deploymentRequest(replicas(1)), source([policy("p", policySpec), bindingOf("b", "p", bindingSpec)]))
        .denied !== undefined
    expect(deny({ matchResources: { namespaceSelector: { matchLabels: { env: "test" } } } })).toBe(true)
    expect(deny({ matchResources: { namespaceSelector: { matchLabels: { env: "prod" } } } })).toBe(false)
    expect(deny({ matchResources: { objectSelector: { matchLabels: { tier: "web" } } } })).toBe(true)
    expect(deny({ matchResources: { objectSelector: { matchLabels: { tier: "db" } } } })).toBe(false)
    expect(deny({}, { ...spec, matchConditions: [{ name: "big", expression: "object.spec.replicas > 3" }] })).toBe(
      false,
    )
    expect(
      deny(
        {},
        {
          ...spec,
          matchConstraints: {
            ...deploymentRules,
            excludeResourceRules: [
              {
                apiGroups: ["*"],
                apiVersions: ["*"],
                operations: ["*"],
                resources: ["deployments"],
                resourceNames: ["api"],
              },
            ],
          },
        },
      ),
    ).toBe(false)
    expect(
      deny(
        {},
        {
          ...spec,
          matchConstraints: { resourceRules: [{ ...deploymentRules.resourceRules[0], operations: ["DELETE"] }] },
        },
      ),
    ).toBe(false)
  })

  it("reads variables, the request and params named by the binding's paramRef", () => {
    const limits: KObject = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "limits", namespace: "web" },
      data: { max: "3" },
    }
    const spec = {
      paramKind: { apiVersion: "v1", kind: "ConfigMap" },
      matchConstraints: deploymentRules,
      variables: [{ name: "max", expression: "int(params.data.max)" }],
      validations: [
        {
          expression: "object.spec.replicas <= variables.max",
          messageExpression: "'at most ' + string(variables.max) + ' replicas for ' + request.userInfo.username",
        },
      ],
    }
    const objects = [
      policy("p", spec),
      bindingOf("b", "p", { paramRef: { name: "limits", parameterNotFoundAction: "Deny" } }),
    ]
    expect(evaluate(deploymentRequest(replicas(4)), source(objects, [limits])).denied?.message).toBe(
      "at most 3 replicas for system:serviceaccount:kube-system:replicaset-controller",
    )
    expect(evaluate(deploymentRequest(replicas(3)), source(objects, [limits])).denied).toBeUndefined()
    expect(evaluate(deploymentRequest(replicas(3)), source(objects)).denied?.message).toBe(
      "no params found for policy binding with `Deny` parameterNotFoundAction",
    )
  })
})
