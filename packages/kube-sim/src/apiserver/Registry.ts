/**
 * The kinds this cluster serves, with what discovery says about each: group, version, plural, scope, verbs and
 * subresources. Everything else (routing, status objects, SSA) is looked up here.
 */
export interface ResourceType {
  readonly group: string
  readonly version: string
  readonly kind: string
  readonly plural: string
  readonly singular: string
  readonly namespaced: boolean
  readonly shortNames?: ReadonlyArray<string>
  readonly categories?: ReadonlyArray<string>
  /** A `/status` subresource: the main resource ignores status changes, `/status` ignores everything else. */
  readonly status: boolean
  /** A `/scale` subresource (autoscaling/v1 Scale). */
  readonly scale: boolean
  /** `metadata.generation` is kept and bumped by changes outside metadata and status. */
  readonly generation: boolean
  /** Served from a CustomResourceDefinition: list items keep their apiVersion and kind. */
  readonly custom: boolean
}

const verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"] as const

interface Spec {
  group: string
  version: string
  kind: string
  plural: string
  namespaced?: boolean
  shortNames?: string[]
  categories?: string[]
  status?: boolean
  scale?: boolean
  generation?: boolean
  custom?: boolean
}

const make = (spec: Spec): ResourceType => ({
  group: spec.group,
  version: spec.version,
  kind: spec.kind,
  plural: spec.plural,
  singular: spec.kind.toLowerCase(),
  namespaced: spec.namespaced ?? true,
  ...(spec.shortNames ? { shortNames: spec.shortNames } : {}),
  ...(spec.categories ? { categories: spec.categories } : {}),
  status: spec.status ?? false,
  scale: spec.scale ?? false,
  generation: spec.generation ?? spec.custom ?? false,
  custom: spec.custom ?? false,
})

const core = (kind: string, plural: string, rest: Partial<Spec> = {}) =>
  make({ group: "", version: "v1", kind, plural, ...rest })

export const builtIn: ReadonlyArray<ResourceType> = [
  core("Namespace", "namespaces", { namespaced: false, shortNames: ["ns"], status: true }),
  core("Pod", "pods", { shortNames: ["po"], categories: ["all"], status: true }),
  core("Service", "services", { shortNames: ["svc"], categories: ["all"], status: true }),
  core("Secret", "secrets"),
  core("ConfigMap", "configmaps", { shortNames: ["cm"] }),
  core("ServiceAccount", "serviceaccounts", { shortNames: ["sa"] }),
  core("PersistentVolumeClaim", "persistentvolumeclaims", { shortNames: ["pvc"], status: true }),
  core("PersistentVolume", "persistentvolumes", { namespaced: false, shortNames: ["pv"], status: true }),
  core("Endpoints", "endpoints", { shortNames: ["ep"] }),
  core("Event", "events", { shortNames: ["ev"] }),
  core("ResourceQuota", "resourcequotas", { shortNames: ["quota"], status: true }),
  core("LimitRange", "limitranges", { shortNames: ["limits"] }),
  core("Node", "nodes", { namespaced: false, shortNames: ["no"], status: true }),
  make({
    group: "apps",
    version: "v1",
    kind: "Deployment",
    plural: "deployments",
    shortNames: ["deploy"],
    categories: ["all"],
    status: true,
    scale: true,
    generation: true,
  }),
  make({
    group: "apps",
    version: "v1",
    kind: "ReplicaSet",
    plural: "replicasets",
    shortNames: ["rs"],
    categories: ["all"],
    status: true,
    scale: true,
    generation: true,
  }),
  make({
    group: "apps",
    version: "v1",
    kind: "StatefulSet",
    plural: "statefulsets",
    shortNames: ["sts"],
    categories: ["all"],
    status: true,
    scale: true,
    generation: true,
  }),
  make({
    group: "apps",
    version: "v1",
    kind: "DaemonSet",
    plural: "daemonsets",
    shortNames: ["ds"],
    categories: ["all"],
    status: true,
    generation: true,
  }),
  make({ group: "apps", version: "v1", kind: "ControllerRevision", plural: "controllerrevisions" }),
  make({
    group: "batch",
    version: "v1",
    kind: "Job",
    plural: "jobs",
    categories: ["all"],
    status: true,
    generation: true,
  }),
  make({
    group: "batch",
    version: "v1",
    kind: "CronJob",
    plural: "cronjobs",
    shortNames: ["cj"],
    categories: ["all"],
    status: true,
    generation: true,
  }),
  make({
    group: "autoscaling",
    version: "v2",
    kind: "HorizontalPodAutoscaler",
    plural: "horizontalpodautoscalers",
    shortNames: ["hpa"],
    categories: ["all"],
    status: true,
    generation: true,
  }),
  make({
    group: "networking.k8s.io",
    version: "v1",
    kind: "NetworkPolicy",
    plural: "networkpolicies",
    shortNames: ["netpol"],
    generation: true,
  }),
  make({
    group: "networking.k8s.io",
    version: "v1",
    kind: "Ingress",
    plural: "ingresses",
    shortNames: ["ing"],
    status: true,
    generation: true,
  }),
  make({
    group: "networking.k8s.io",
    version: "v1",
    kind: "IngressClass",
    plural: "ingressclasses",
    namespaced: false,
  }),
  make({ group: "discovery.k8s.io", version: "v1", kind: "EndpointSlice", plural: "endpointslices" }),
  make({ group: "coordination.k8s.io", version: "v1", kind: "Lease", plural: "leases" }),
  make({
    group: "storage.k8s.io",
    version: "v1",
    kind: "StorageClass",
    plural: "storageclasses",
    namespaced: false,
    shortNames: ["sc"],
  }),
  make({
    group: "policy",
    version: "v1",
    kind: "PodDisruptionBudget",
    plural: "poddisruptionbudgets",
    shortNames: ["pdb"],
    status: true,
    generation: true,
  }),
  make({ group: "rbac.authorization.k8s.io", version: "v1", kind: "Role", plural: "roles" }),
  make({ group: "rbac.authorization.k8s.io", version: "v1", kind: "RoleBinding", plural: "rolebindings" }),
  make({
    group: "rbac.authorization.k8s.io",
    version: "v1",
    kind: "ClusterRole",
    plural: "clusterroles",
    namespaced: false,
  }),
  make({
    group: "rbac.authorization.k8s.io",
    version: "v1",
    kind: "ClusterRoleBinding",
    plural: "clusterrolebindings",
    namespaced: false,
  }),
  make({
    group: "admissionregistration.k8s.io",
    version: "v1",
    kind: "ValidatingAdmissionPolicy",
    plural: "validatingadmissionpolicies",
    namespaced: false,
    status: true,
    generation: true,
  }),
  make({
    group: "admissionregistration.k8s.io",
    version: "v1",
    kind: "ValidatingAdmissionPolicyBinding",
    plural: "validatingadmissionpolicybindings",
    namespaced: false,
    generation: true,
  }),
  make({
    group: "apiextensions.k8s.io",
    version: "v1",
    kind: "CustomResourceDefinition",
    plural: "customresourcedefinitions",
    namespaced: false,
    shortNames: ["crd", "crds"],
    status: true,
    generation: true,
  }),
  // Installed by CRDs on the clusters Starform runs on: Gateway API (Envoy Gateway), CSI snapshots, Kyverno.
  make({
    group: "gateway.networking.k8s.io",
    version: "v1",
    kind: "GatewayClass",
    plural: "gatewayclasses",
    namespaced: false,
    shortNames: ["gc"],
    status: true,
    custom: true,
  }),
  make({
    group: "gateway.networking.k8s.io",
    version: "v1",
    kind: "Gateway",
    plural: "gateways",
    shortNames: ["gtw"],
    status: true,
    custom: true,
  }),
  make({
    group: "gateway.networking.k8s.io",
    version: "v1",
    kind: "HTTPRoute",
    plural: "httproutes",
    status: true,
    custom: true,
  }),
  make({
    group: "gateway.networking.k8s.io",
    version: "v1",
    kind: "GRPCRoute",
    plural: "grpcroutes",
    status: true,
    custom: true,
  }),
  make({
    group: "gateway.networking.k8s.io",
    version: "v1beta1",
    kind: "ReferenceGrant",
    plural: "referencegrants",
    shortNames: ["refgrant"],
    custom: true,
  }),
  make({
    group: "snapshot.storage.k8s.io",
    version: "v1",
    kind: "VolumeSnapshot",
    plural: "volumesnapshots",
    shortNames: ["vs"],
    status: true,
    custom: true,
  }),
  make({
    group: "snapshot.storage.k8s.io",
    version: "v1",
    kind: "VolumeSnapshotClass",
    plural: "volumesnapshotclasses",
    namespaced: false,
    shortNames: ["vsclass", "vsclasses"],
    custom: true,
  }),
  make({
    group: "snapshot.storage.k8s.io",
    version: "v1",
    kind: "VolumeSnapshotContent",
    plural: "volumesnapshotcontents",
    namespaced: false,
    shortNames: ["vsc", "vscs"],
    status: true,
    custom: true,
  }),
  make({
    group: "kyverno.io",
    version: "v1",
    kind: "ClusterPolicy",
    plural: "clusterpolicies",
    namespaced: false,
    shortNames: ["cpol"],
    status: true,
    custom: true,
  }),
  make({
    group: "kyverno.io",
    version: "v1",
    kind: "Policy",
    plural: "policies",
    shortNames: ["pol"],
    status: true,
    custom: true,
  }),
]

export const apiVersionOf = (type: ResourceType): string =>
  type.group ? `${type.group}/${type.version}` : type.version

/** `deployments.apps`, `pods`: how error messages name a resource. */
export const qualifiedResource = (type: ResourceType): string =>
  type.group ? `${type.plural}.${type.group}` : type.plural

/** `Deployment.apps`, `Service`: how 422 messages name a kind. */
export const qualifiedKind = (type: ResourceType): string => (type.group ? `${type.kind}.${type.group}` : type.kind)

export const typeId = (type: ResourceType): string => `${type.plural}.${type.group}`

export class Registry {
  private readonly types: ResourceType[] = []
  private readonly byPath = new Map<string, ResourceType>()
  private readonly byKind = new Map<string, ResourceType>()
  private readonly byId = new Map<string, ResourceType>()

  constructor(types: ReadonlyArray<ResourceType> = builtIn) {
    for (const type of types) this.add(type)
  }

  add(type: ResourceType): void {
    this.types.push(type)
    this.byPath.set(`${apiVersionOf(type)}/${type.plural}`, type)
    this.byKind.set(`${apiVersionOf(type)}/${type.kind}`, type)
    this.byId.set(typeId(type), type)
  }

  remove(type: ResourceType): void {
    const index = this.types.indexOf(type)
    if (index >= 0) this.types.splice(index, 1)
    this.byPath.delete(`${apiVersionOf(type)}/${type.plural}`)
    this.byKind.delete(`${apiVersionOf(type)}/${type.kind}`)
    this.byId.delete(typeId(type))
  }

  all(): ReadonlyArray<ResourceType> {
    return this.types
  }

  byResource(apiVersion: string, plural: string): ResourceType | undefined {
    return this.byPath.get(`${apiVersion}/${plural}`)
  }

  /** By apiVersion and kind, as written in an object. */
  lookup(apiVersion: string, kind: string): ResourceType | undefined {
    return this.byKind.get(`${apiVersion}/${kind}`)
  }

  /** By plural and group, whatever the version. */
  byGroupResource(plural: string, group: string): ResourceType | undefined {
    return this.byId.get(`${plural}.${group}`)
  }

  groups(): Map<string, string[]> {
    const groups = new Map<string, string[]>()
    for (const type of this.types) {
      if (type.group === "") continue
      const versions = groups.get(type.group) ?? []
      if (!versions.includes(type.version)) versions.push(type.version)
      groups.set(type.group, versions)
    }
    return groups
  }

  // Discovery documents, shaped as kube-apiserver serves them.

  apiVersions(serverAddress: string) {
    return {
      kind: "APIVersions",
      versions: ["v1"],
      serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
    }
  }

  private group(name: string, versions: string[]) {
    const list = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }))
    return { name, versions: list, preferredVersion: list[0] }
  }

  apiGroupList() {
    return {
      kind: "APIGroupList",
      apiVersion: "v1",
      groups: [...this.groups()].map(([name, versions]) => this.group(name, versions)),
    }
  }

  apiGroup(name: string) {
    const versions = this.groups().get(name)
    return versions === undefined ? undefined : { kind: "APIGroup", apiVersion: "v1", ...this.group(name, versions) }
  }

  apiResourceList(groupVersion: string) {
    const types = this.types.filter((type) => apiVersionOf(type) === groupVersion)
    if (types.length === 0) return undefined
    const resources: unknown[] = []
    for (const type of types) {
      resources.push({
        name: type.plural,
        singularName: type.singular,
        namespaced: type.namespaced,
        kind: type.kind,
        verbs: [...verbs],
        ...(type.shortNames ? { shortNames: type.shortNames } : {}),
        ...(type.categories ? { categories: type.categories } : {}),
      })
      if (type.status) {
        resources.push({
          name: `${type.plural}/status`,
          singularName: "",
          namespaced: type.namespaced,
          kind: type.kind,
          verbs: ["get", "patch", "update"],
        })
      }
      if (type.scale) {
        resources.push({
          name: `${type.plural}/scale`,
          singularName: "",
          namespaced: type.namespaced,
          group: "autoscaling",
          version: "v1",
          kind: "Scale",
          verbs: ["get", "patch", "update"],
        })
      }
      if (type.kind === "Pod") {
        resources.push({ name: "pods/log", singularName: "", namespaced: true, kind: "Pod", verbs: ["get"] })
      }
    }
    return groupVersion === "v1"
      ? { kind: "APIResourceList", groupVersion, resources }
      : { kind: "APIResourceList", apiVersion: "v1", groupVersion, resources }
  }
}
