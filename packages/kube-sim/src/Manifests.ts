import { parseAllDocuments } from "yaml"
import type { KObject } from "./Objects.ts"

/**
 * The objects of a multi-document YAML file (what `kubectl apply -f` reads), empty documents skipped; a document
 * that does not parse throws with its error. For applying a repository's manifests to kube-sim in tests.
 */
export const parseManifests = (text: string): ReadonlyArray<KObject> =>
  parseAllDocuments(text).flatMap((document) => {
    if (document.errors.length > 0) throw new Error(`invalid YAML: ${document.errors[0]!.message}`)
    const value: unknown = document.toJS()
    return value !== null && typeof value === "object" && "kind" in value ? [value as KObject] : []
  })
