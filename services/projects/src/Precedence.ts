/**
 * Which value of a key a service sees. From weakest to strongest: each linked var group in link order (a
 * later-linked group wins over an earlier one), within a group its environment's override over its default, and
 * the service's own variables over every group.
 */

export interface LinkedGroup {
  /** Where the link sits; higher wins. */
  readonly position: number
  /** The group's default values. */
  readonly defaults: ReadonlyMap<string, string>
  /** This environment's overrides. */
  readonly overrides: ReadonlyMap<string, string>
}

export interface Merged {
  /** What the service sees. */
  readonly variables: Map<string, string>
  /** What the groups alone give: the meaning of `${{ shared.KEY }}`. */
  readonly shared: Map<string, string>
}

export const merge = (groups: ReadonlyArray<LinkedGroup>, own: ReadonlyMap<string, string>): Merged => {
  const shared = new Map<string, string>()
  for (const group of [...groups].sort((a, b) => a.position - b.position)) {
    for (const [key, value] of group.defaults) shared.set(key, value)
    for (const [key, value] of group.overrides) shared.set(key, value)
  }
  const variables = new Map(shared)
  for (const [key, value] of own) variables.set(key, value)
  return { variables, shared }
}
