/** The UI's routes (pure): a path becomes a route with its parameters, or 'not-found'. */

export type Route =
  | { name: 'home' }
  | { name: 'read'; dataset: number }
  | { name: 'adjudicate'; dataset: number }
  | { name: 'image'; image: number }
  | { name: 'qc'; dataset: number }
  | { name: 'console'; dataset: number | null; section: string | null }
  | { name: 'not-found'; path: string }

const PATTERNS: Array<[RegExp, (m: RegExpMatchArray) => Route]> = [
  [/^\/$/, () => ({ name: 'home' })],
  [/^\/read\/(\d+)\/?$/, (m) => ({ name: 'read', dataset: Number(m[1]) })],
  [/^\/adjudicate\/(\d+)\/?$/, (m) => ({ name: 'adjudicate', dataset: Number(m[1]) })],
  [/^\/images\/(\d+)\/?$/, (m) => ({ name: 'image', image: Number(m[1]) })],
  [/^\/qc\/(\d+)\/?$/, (m) => ({ name: 'qc', dataset: Number(m[1]) })],
  [/^\/console\/?$/, () => ({ name: 'console', dataset: null, section: null })],
  [
    /^\/console\/(\d+)(?:\/([a-z-]+))?\/?$/,
    (m) => ({ name: 'console', dataset: Number(m[1]), section: m[2] ?? null }),
  ],
]

export function matchRoute(path: string): Route {
  for (const [re, make] of PATTERNS) {
    const m = path.match(re)
    if (m) return make(m)
  }
  return { name: 'not-found', path }
}
