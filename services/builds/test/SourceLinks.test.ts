import { randomBytes } from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import * as Links from "../src/sources/Links.ts"

describe("links to an uploaded folder", () => {
  const key = randomBytes(32)
  const id = "upl_0abcdefghijklmnopqrstuvw"
  const parts = (path: string) => {
    const url = new URL(path, "http://builds")
    return {
      id: decodeURIComponent(url.pathname.split("/")[2]!),
      expires: Number(url.searchParams.get("expires")),
      signature: url.searchParams.get("signature")!,
    }
  }

  it("are good for the upload they name until they expire", () => {
    const link = parts(Links.sign(key, id, 2_000))
    expect(link.id).toBe(id)
    expect(Links.verify(key, link.id, link.expires, link.signature, 1_000)).toBe(true)
    expect(Links.verify(key, link.id, link.expires, link.signature, 2_001)).toBe(false)
  })

  it("cannot be moved to another upload, extended, or made with another key", () => {
    const link = parts(Links.sign(key, id, 2_000))
    expect(Links.verify(key, "upl_1abcdefghijklmnopqrstuvw", link.expires, link.signature, 1_000)).toBe(false)
    expect(Links.verify(key, id, 9_000, link.signature, 1_000)).toBe(false)
    expect(Links.verify(randomBytes(32), id, link.expires, link.signature, 1_000)).toBe(false)
    expect(Links.verify(key, id, link.expires, "", 1_000)).toBe(false)
  })
})
