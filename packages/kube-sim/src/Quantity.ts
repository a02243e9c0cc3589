/**
 * Resource quantities in the canonical form the API server stores them in: the same kind of suffix (decimal or
 * binary), the largest one that keeps the number whole. "1000m" becomes "1", "0.5" "500m", "1024Mi" "1Gi",
 * "1.5Gi" "1536Mi". A client comparing what it sent with what it reads back has to expect this.
 */
const decimal: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 }
const binary: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 }
const binaryNames = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
const decimalNames = new Map(Object.entries(decimal).map(([name, exp]) => [exp, name]))

const pattern = /^([+-]?)([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])|[eE]([+-]?[0-9]+))?$/

/** An exact value: `units × 10^-9` (nanounits), as a BigInt, rounded up as the API server rounds. */
const toNano = (digits: string, decimalExp: number, binaryPow: number): bigint => {
  const [whole = "", fraction = ""] = digits.split(".")
  let value = BigInt(`${whole || "0"}${fraction}`)
  const exp = decimalExp - fraction.length + 9
  value *= 1024n ** BigInt(binaryPow)
  if (exp >= 0) return value * 10n ** BigInt(exp)
  const divisor = 10n ** BigInt(-exp)
  return value / divisor + (value % divisor === 0n ? 0n : 1n)
}

export const canonicalQuantity = (text: string): string | undefined => {
  const match = pattern.exec(text.trim())
  if (!match) return undefined
  const [, sign, digits, suffix = "", exponent] = match
  const isBinary = suffix in binary
  const nano = toNano(
    digits!,
    exponent !== undefined ? Number(exponent) : isBinary ? 0 : (decimal[suffix] ?? 0),
    isBinary ? binary[suffix]! : 0,
  )
  const negative = sign === "-" && nano !== 0n
  const prefix = negative ? "-" : ""
  if (nano === 0n) return "0"
  const billion = 1_000_000_000n
  if (isBinary && nano % billion === 0n) {
    const bytes = nano / billion
    let power = 0
    while (power < 6 && bytes % 1024n ** BigInt(power + 1) === 0n) power++
    return `${prefix}${bytes / 1024n ** BigInt(power)}${binaryNames[power]}`
  }
  let exp = -9
  let mantissa = nano
  while (exp < 18 && mantissa % 1000n === 0n) {
    mantissa /= 1000n
    exp += 3
  }
  if (exponent !== undefined) return `${prefix}${mantissa}${exp === 0 ? "" : `e${exp}`}`
  return `${prefix}${mantissa}${decimalNames.get(exp) ?? ""}`
}

const suffixes: Record<string, number> = {
  "": 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  Pi: 1024 ** 5,
}

/** A resource quantity ("500m", "1Gi", 2) as a number; NaN when malformed. */
export const quantity = (value: unknown): number => {
  if (typeof value === "number") return value
  if (typeof value !== "string") return Number.NaN
  const match = /^([+-]?[0-9.]+)([a-zA-Z]*)$/.exec(value)
  if (!match) return Number.NaN
  const factor = suffixes[match[2]!]
  return factor === undefined ? Number.NaN : Number(match[1]) * factor
}
