import { Effect, type Exit } from "effect"
import { type AsyncResult, type Atom, AtomRegistry } from "effect/reactivity"
import * as React from "react"

/**
 * React bindings for `effect/reactivity` atoms: the few hooks of `@effect/atom-react` the dashboard uses. That
 * package (4.0.0-rc.117) imports reactivity from effect's old `unstable` folder, which effect 4.1 no longer has, so
 * these stand in for it over the same registry API until a 4.1 release of it exists.
 */

export const RegistryContext = React.createContext<AtomRegistry.AtomRegistry>(AtomRegistry.make())

/** The atom's value, re-rendering when it changes; the atom stays mounted while the component is. */
export const useAtomValue = <A>(atom: Atom.Atom<A>): A => {
  const registry = React.useContext(RegistryContext)
  const subscribe = React.useCallback((onChange: () => void) => registry.subscribe(atom, onChange), [registry, atom])
  const snapshot = React.useCallback(() => registry.get(atom), [registry, atom])
  return React.useSyncExternalStore(subscribe, snapshot, snapshot)
}

/** Asks the atom to compute again (a query re-fetches; its previous value stays shown while it waits). */
export const useAtomRefresh = (atom: Atom.Atom<unknown>): (() => void) => {
  const registry = React.useContext(RegistryContext)
  React.useEffect(() => registry.mount(atom), [registry, atom])
  return React.useCallback(() => registry.refresh(atom), [registry, atom])
}

/**
 * Runs a function atom (a mutation) and resolves with its outcome, so a form can show the API's error where it
 * belongs. The atom stays mounted while the component is, so a request in flight is not dropped.
 */
export const useAtomRun = <W, A, E>(
  atom: Atom.Writable<AsyncResult.AsyncResult<A, E>, W>,
): ((value: W) => Promise<Exit.Exit<A, E>>) => {
  const registry = React.useContext(RegistryContext)
  React.useEffect(() => registry.mount(atom), [registry, atom])
  return React.useCallback(
    (value: W) => {
      registry.set(atom, value)
      return Effect.runPromiseExit(AtomRegistry.getResult(registry, atom, { suspendOnWaiting: true }))
    },
    [registry, atom],
  )
}
