import { KubeObject, Labels, Names } from "@starform/manifests"

/**
 * What Shuttle wrote, kept in the cluster so pruning works even while the control plane is down (ARCHITECTURE
 * §4): in each customer namespace a ConfigMap whose entries list, per owner (`environment` or a service id), the
 * objects written for it. An object is pruned only when it is in the inventory, no longer desired, and still
 * labelled as Shuttle's — nothing Shuttle did not create is ever touched. Cluster-scoped namespaces are listed the
 * same way in Shuttle's own namespace.
 */

/** The owner of an environment's own objects (namespace, isolation policy, volumes). */
export const environmentOwner = "environment"
/** The owner of the namespaces, in the cluster inventory. */
export const clusterOwner = "namespaces"
/** The cluster inventory's name, in Shuttle's namespace. */
export const clusterName = "starform-namespaces"

export type Entries = ReadonlyMap<string, ReadonlyArray<string>>

export const parse = (configMap: { readonly data?: Readonly<Record<string, string>> } | null): Entries =>
  new Map(
    Object.entries(configMap?.data ?? {}).map(([owner, keys]) => [owner, keys.split("\n").filter((key) => key !== "")]),
  )

const sorted = (keys: Iterable<string>) => [...new Set(keys)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))

/** The inventory ConfigMap: owners and keys sorted, so the same content is the same object. */
export const render = (
  namespace: string,
  name: string,
  labels: Readonly<Record<string, string>>,
  entries: Entries,
): KubeObject.KubeObject & { readonly data: Record<string, string> } => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace, labels: { ...labels, [Labels.managedBy]: Labels.manager } },
  data: Object.fromEntries(
    sorted(entries.keys())
      .filter((owner) => (entries.get(owner) ?? []).length > 0)
      .map((owner) => [owner, sorted(entries.get(owner) ?? []).join("\n")]),
  ),
})

/** The namespace inventory's name. */
export const name = Names.inventory

/** `entries` with `owner`'s list replaced (an empty list removes the owner). */
export const withOwner = (entries: Entries, owner: string, keys: Iterable<string>): Entries => {
  const next = new Map(entries)
  const list = sorted(keys)
  if (list.length === 0) next.delete(owner)
  else next.set(owner, list)
  return next
}

export const same = (a: Entries, b: Entries): boolean => {
  const owners = sorted([...a.keys(), ...b.keys()])
  return owners.every((owner) => (a.get(owner) ?? []).join("\n") === (b.get(owner) ?? []).join("\n"))
}

/** The objects an inventory lists for `owner`. */
export const refs = (entries: Entries, owner: string): ReadonlyArray<KubeObject.ObjectRef> =>
  (entries.get(owner) ?? []).map(KubeObject.refOfKey)
