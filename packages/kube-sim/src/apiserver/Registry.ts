import { builtIn } from "./Kinds.ts"

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
