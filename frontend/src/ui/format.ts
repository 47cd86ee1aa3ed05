/** Number formatting shared by the console tables (pure). */

/** A finite number, else null (metrics JSON may hold null, NaN or nothing). */
export const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : null)

/** Three decimals, or an em dash where there is no finite number. */
export const f3 = (x: unknown) => (num(x) == null ? '—' : (x as number).toFixed(3))
