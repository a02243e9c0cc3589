import * as React from "react"

/**
 * The dashboard's routing: the address bar is the state. Pages are chosen from `location.pathname`, links push
 * history entries, Back and Forward work, and every page has a URL that survives a reload (the gateway answers
 * `index.html` for any page path).
 */

const listeners = new Set<() => void>()
const notify = () => {
  for (const listener of listeners) listener()
}
window.addEventListener("popstate", notify)

const subscribe = (listener: () => void) => {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

export const navigate = (to: string, options: { readonly replace?: boolean } = {}) => {
  if (options.replace) history.replaceState(null, "", to)
  else history.pushState(null, "", to)
  window.scrollTo(0, 0)
  notify()
}

export interface Location {
  readonly path: string
  readonly query: URLSearchParams
}

const snapshot = () => `${location.pathname}${location.search}`

export const useLocation = (): Location => {
  const href = React.useSyncExternalStore(subscribe, snapshot, snapshot)
  return React.useMemo(() => {
    const url = new URL(href, location.origin)
    return { path: url.pathname, query: url.searchParams }
  }, [href])
}

/** The named segments of `pattern` (`/p/:projectId`) in `path`, or undefined when it does not match. */
export const match = (pattern: string, path: string): Record<string, string> | undefined => {
  const want = pattern.split("/")
  const have = (path.length > 1 ? path.replace(/\/+$/, "") : path).split("/")
  if (want.length !== have.length) return undefined
  const params: Record<string, string> = {}
  for (const [i, part] of want.entries()) {
    const actual = have[i] ?? ""
    if (part.startsWith(":")) {
      if (actual === "") return undefined
      params[part.slice(1)] = decodeURIComponent(actual)
    } else if (part !== actual) return undefined
  }
  return params
}

export const Link = ({ to, ...rest }: { readonly to: string } & React.AnchorHTMLAttributes<HTMLAnchorElement>) => (
  <a
    {...rest}
    href={to}
    onClick={(event) => {
      rest.onClick?.(event)
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return
      event.preventDefault()
      navigate(to)
    }}
  />
)

/** Sends the browser to `to` as soon as it renders (a page that has nothing to show itself). */
export const Redirect = ({ to }: { readonly to: string }) => {
  React.useEffect(() => navigate(to, { replace: true }), [to])
  return null
}
