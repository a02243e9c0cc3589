import { AtomRegistry } from "effect/reactivity"
import { StrictMode } from "react"
import { createRoot } from "react-dom/client"
import { App } from "./App.tsx"
import { RegistryContext } from "./atom/Hooks.ts"
import "./ui/styles.css"

const registry = AtomRegistry.make({ defaultIdleTTL: 400 })
const root = document.getElementById("root")
if (root !== null) {
  createRoot(root).render(
    <StrictMode>
      <RegistryContext.Provider value={registry}>
        <App />
      </RegistryContext.Provider>
    </StrictMode>,
  )
}
