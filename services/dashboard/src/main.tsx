import { PublicApi } from "@starform/domain"
import { createRoot } from "react-dom/client"

const root = document.getElementById("root")
if (root !== null) createRoot(root).render(<p>{PublicApi.Api.identifier}</p>)
