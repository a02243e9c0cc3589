/**
 * How deeply a JSON text nests objects and arrays, read without parsing it: one pass over the characters, skipping
 * strings, that stops as soon as `limit` is passed. Cheap enough to run on every body before `JSON.parse` (which
 * would otherwise build a 10,000-level value, or overflow the stack on deeper ones).
 */
export const exceedsDepth = (text: string, limit: number): boolean => {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92 /* \ */) i++
      else if (c === 34 /* " */) inString = false
    } else if (c === 34) inString = true
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > limit) return true
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--
  }
  return false
}

/** The media type of a `Content-Type` header, without parameters, lower-cased: `application/json; charset=utf-8` → `application/json`. */
export const mediaType = (header: string): string => header.split(";")[0]!.trim().toLowerCase()
