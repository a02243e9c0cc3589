import { ApiDocument } from "@starform/domain"
import openapiTS, { astToString } from "openapi-typescript"

/** The TypeScript types `openapi-typescript` generates from the published document (`paths`, `components`, …). */
export const generate = async (): Promise<string> =>
  astToString(await openapiTS(JSON.stringify(ApiDocument.document())))
