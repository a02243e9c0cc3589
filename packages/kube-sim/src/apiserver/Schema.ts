/**
 * The slice of the OpenAPI schema that server-side apply needs: how each list merges (a map keyed by some fields,
 * a set, or atomic) and which structs are atomic. Lists not named here are atomic, as in the real schemas.
 * Paths are field names joined with ".", list items written "[]": `spec.template.spec.containers[].ports`.
 */
export type ListType =
  | { readonly type: "map"; readonly keys: ReadonlyArray<string>; readonly defaults?: Readonly<Record<string, string>> }
  | { readonly type: "set" }
  | { readonly type: "atomic" }

const podSpecLists: ReadonlyArray<[RegExp, ListType]> = [
  [/(^|\.)(containers|initContainers|ephemeralContainers)$/, { type: "map", keys: ["name"] }],
  [/(containers|initContainers|ephemeralContainers)\[\]\.env$/, { type: "map", keys: ["name"] }],
  [/(containers|initContainers|ephemeralContainers)\[\]\.volumeMounts$/, { type: "map", keys: ["mountPath"] }],
  [/(containers|initContainers|ephemeralContainers)\[\]\.volumeDevices$/, { type: "map", keys: ["devicePath"] }],
  [
    /(containers|initContainers|ephemeralContainers)\[\]\.ports$/,
    { type: "map", keys: ["containerPort", "protocol"], defaults: { protocol: "TCP" } },
  ],
  [/(containers|initContainers|ephemeralContainers)\[\]\.resizePolicy$/, { type: "atomic" }],
  [/(^|\.)spec\.volumes$/, { type: "map", keys: ["name"] }],
  [/(^|\.)imagePullSecrets$/, { type: "map", keys: ["name"] }],
  [/(^|\.)hostAliases$/, { type: "map", keys: ["ip"] }],
  [/(^|\.)topologySpreadConstraints$/, { type: "map", keys: ["topologyKey", "whenUnsatisfiable"] }],
  [/(^|\.)resourceClaims$/, { type: "map", keys: ["name"] }],
  [/(^|\.)schedulingGates$/, { type: "map", keys: ["name"] }],
]

const common: ReadonlyArray<[RegExp, ListType]> = [
  [/^metadata\.ownerReferences$/, { type: "map", keys: ["uid"] }],
  [/^metadata\.finalizers$/, { type: "set" }],
  [/(^|\.)conditions$/, { type: "map", keys: ["type"] }],
]

const byKind: Readonly<Record<string, ReadonlyArray<[RegExp, ListType]>>> = {
  Service: [[/^spec\.ports$/, { type: "map", keys: ["port", "protocol"], defaults: { protocol: "TCP" } }]],
  Gateway: [[/^spec\.listeners$/, { type: "map", keys: ["name"] }]],
  Node: [[/^status\.addresses$/, { type: "map", keys: ["type"] }]],
}

const atomicStructs: ReadonlyArray<RegExp> = [
  /^spec\.selector$/,
  /(^|\.)(podSelector|namespaceSelector|labelSelector|objectSelector)$/,
]

// Kinds whose spec.selector is a plain map (granular), not a LabelSelector.
const mapSelectorKinds = new Set(["Service", "ReplicationController"])

export interface Hints {
  readonly list: (path: string) => ListType
  readonly atomicStruct: (path: string) => boolean
}

const cache = new Map<string, Hints>()

export const hintsFor = (kind: string): Hints => {
  const cached = cache.get(kind)
  if (cached) return cached
  const rules = [...common, ...(byKind[kind] ?? []), ...podSpecLists]
  const lists = new Map<string, ListType>()
  const structs = new Map<string, boolean>()
  const hints: Hints = {
    list: (path) => {
      let found = lists.get(path)
      if (found === undefined) {
        found = rules.find(([pattern]) => pattern.test(path))?.[1] ?? { type: "atomic" }
        lists.set(path, found)
      }
      return found
    },
    atomicStruct: (path) => {
      let found = structs.get(path)
      if (found === undefined) {
        found =
          path === "spec.selector" ? !mapSelectorKinds.has(kind) : atomicStructs.some((pattern) => pattern.test(path))
        structs.set(path, found)
      }
      return found
    },
  }
  cache.set(kind, hints)
  return hints
}

export const childPath = (path: string, field: string): string => (path ? `${path}.${field}` : field)
