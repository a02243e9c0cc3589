/**
 * Reference variables: a value may embed `${{ api.DATABASE_URL }}` (variable `DATABASE_URL` of service `api` in
 * the same environment, fully resolved) or `${{ shared.REGION }}` (the value the var groups linked to the
 * referring service give `REGION`, even where the service overrides it). References resolve at deploy time;
 * a cycle, a self-reference, an unknown service or an unknown variable is refused with the path that leads to it.
 */

/** The namespace that names the var groups instead of a service. */
export const sharedNamespace = "shared"

const referencePattern = /\$\{\{\s*([^{}\s.]+)\.([^{}\s]+)\s*\}\}/g

export interface Reference {
  /** A service name, or `shared`. */
  readonly namespace: string
  readonly key: string
  /** The text `${{ … }}` as written. */
  readonly text: string
}

/** The references in `value`, in order. */
export const referencesIn = (value: string): ReadonlyArray<Reference> =>
  Array.from(value.matchAll(referencePattern), (match) => ({
    namespace: match[1]!,
    key: match[2]!,
    text: match[0],
  }))

/** One service's variables as set, before references are substituted. */
export interface ServiceVariables {
  readonly name: string
  /** Group values merged with the service's own on top: what the service sees. */
  readonly variables: ReadonlyMap<string, string>
  /** Group values alone: what `${{ shared.KEY }}` means inside this service. */
  readonly shared: ReadonlyMap<string, string>
}

export type ReferenceProblem = "cycle" | "unknown-service" | "unknown-variable"

/** Why a variable cannot be resolved, with the chain of references from the variable to the fault. */
export interface Unresolvable {
  readonly _tag: "Unresolvable"
  readonly problem: ReferenceProblem
  /** `api.DATABASE_URL`, `worker.URL`, …: from the variable being resolved to the faulty reference. */
  readonly path: ReadonlyArray<string>
  readonly message: string
}

const describeProblem = (problem: ReferenceProblem, path: ReadonlyArray<string>): string => {
  const chain = path.join(" → ")
  const last = path[path.length - 1]!
  switch (problem) {
    case "cycle":
      return path.length === 2 ? `${path[0]} refers to itself` : `references form a cycle: ${chain}`
    case "unknown-service":
      return `${chain} refers to service ${last.split(".")[0]}, which does not exist in this environment`
    case "unknown-variable":
      return `${chain} refers to ${last}, which is not set`
  }
}

const unresolvable = (problem: ReferenceProblem, path: ReadonlyArray<string>): Unresolvable => ({
  _tag: "Unresolvable",
  problem,
  path,
  message: describeProblem(problem, path),
})

const isUnresolvable = (value: unknown): value is Unresolvable =>
  typeof value === "object" && value !== null && (value as { _tag?: unknown })._tag === "Unresolvable"

const node = (namespace: string, key: string) => `${namespace}.${key}`

/**
 * Resolves every variable of `service` among the environment's `services` (which include it). Returns the
 * substituted values, or the first problem found.
 */
export const resolveService = (
  service: string,
  services: ReadonlyArray<ServiceVariables>,
): { readonly _tag: "Resolved"; readonly variables: Map<string, string> } | Unresolvable => {
  const resolver = resolverOf(service, services)
  if (isUnresolvable(resolver)) return resolver
  const variables = new Map<string, string>()
  for (const key of resolver.keys) {
    const outcome = resolver.resolveKey(key)
    if (isUnresolvable(outcome)) return outcome
    variables.set(key, outcome)
  }
  return { _tag: "Resolved", variables }
}

/**
 * Resolves one variable `key` of `service` (what `resolveService` gives it), whatever state the service's other
 * variables are in: its value with references substituted, or why it cannot be.
 */
export const resolveKey = (
  service: string,
  key: string,
  services: ReadonlyArray<ServiceVariables>,
): { readonly _tag: "Resolved"; readonly value: string } | Unresolvable => {
  const resolver = resolverOf(service, services)
  if (isUnresolvable(resolver)) return resolver
  const outcome = resolver.resolveKey(key)
  return isUnresolvable(outcome) ? outcome : { _tag: "Resolved", value: outcome }
}

/** The resolution of `service`'s variables, one key at a time, sharing what each resolved. */
const resolverOf = (service: string, services: ReadonlyArray<ServiceVariables>) => {
  const byName = new Map(services.map((entry) => [entry.name, entry]))
  const self = byName.get(service)
  if (self === undefined) return unresolvable("unknown-service", [service])
  const done = new Map<string, string>()
  const visiting: Array<string> = []

  // `owner` is the service whose context a value is evaluated in: shared values resolve in the referring service.
  const resolve = (owner: ServiceVariables, id: string, raw: string): string | Unresolvable => {
    const cached = done.get(id)
    if (cached !== undefined) return cached
    const start = visiting.indexOf(id)
    if (start >= 0) return unresolvable("cycle", [...visiting.slice(start), id])
    visiting.push(id)
    let failure: Unresolvable | undefined
    const value = raw.replace(referencePattern, (text, namespace: string, key: string) => {
      if (failure !== undefined) return text
      const outcome = follow(owner, namespace, key)
      if (typeof outcome === "string") return outcome
      failure = outcome
      return text
    })
    visiting.pop()
    if (failure !== undefined) return failure
    done.set(id, value)
    return value
  }

  const follow = (owner: ServiceVariables, namespace: string, key: string): string | Unresolvable => {
    if (namespace === sharedNamespace) {
      const raw = owner.shared.get(key)
      const id = `${owner.name}#${node(sharedNamespace, key)}`
      if (raw === undefined) return unresolvable("unknown-variable", [...labels(), node(sharedNamespace, key)])
      return resolve(owner, id, raw)
    }
    const target = byName.get(namespace)
    if (target === undefined) return unresolvable("unknown-service", [...labels(), node(namespace, key)])
    const raw = target.variables.get(key)
    if (raw === undefined) return unresolvable("unknown-variable", [...labels(), node(namespace, key)])
    return resolve(target, node(namespace, key), raw)
  }

  // what the user calls each step: `api.KEY`, and `shared.KEY` for a group value
  const labels = () => visiting.map((id) => id.replace(/^[^#]*#/, ""))

  return {
    keys: Array.from(self.variables.keys()),
    resolveKey: (key: string): string | Unresolvable => {
      const raw = self.variables.get(key)
      if (raw === undefined) return unresolvable("unknown-variable", [node(self.name, key)])
      return resolve(self, node(self.name, key), raw)
    },
  }
}

/**
 * Checks one service's variables without substituting them: the same answer as `resolveService` without the
 * values. Used when variables are written, so a cycle is refused at once rather than at the next deploy.
 */
export const check = (service: string, services: ReadonlyArray<ServiceVariables>): Unresolvable | undefined => {
  const outcome = resolveService(service, services)
  return isUnresolvable(outcome) ? outcome : undefined
}

/** The key a refusal names: the written key the chain starts from, else the first written key. */
export const fieldKey = (problem: Unresolvable, written: ReadonlyArray<string>) => {
  const first = problem.path[0] ?? ""
  const key = first.slice(first.indexOf(".") + 1)
  return written.includes(key) ? key : (written[0] ?? key)
}
