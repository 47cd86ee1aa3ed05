/**
 * The frontend's layout rules, checked on the source itself (issue #14): no import circle; only a
 * feature's `source.ts` (and the shell's) talks to the server; routes live in `screens/` and nothing
 * but the shell imports them; features never reach into screens or the shell's App.
 */
import { describe, expect, it } from 'vitest'

// Every module's text, keyed by its path below src/ ("features/qc/source.ts").
const raw = import.meta.glob(['./**/*.ts', './**/*.tsx', '!./**/*.test.ts', '!./**/*.d.ts'], {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>
const files = new Map(Object.entries(raw).map(([k, v]) => [k.replace(/^\.\//, ''), v]))

/** The relative imports and re-exports of a module, as written ("../api/client"). */
function importsOf(text: string): string[] {
  const specs: string[] = []
  const re = /^\s*(?:import|export)\b[^'";]*?(?:from\s*)?'(\.{1,2}\/[^']+)'/gm
  for (const m of text.matchAll(re)) specs.push(m[1])
  return specs
}

function resolve(from: string, spec: string): string | null {
  const parts = from.split('/').slice(0, -1)
  for (const p of spec.split('/')) {
    if (p === '..') parts.pop()
    else if (p !== '.') parts.push(p)
  }
  const base = parts.join('/')
  // The client's generated types (api/schema.d.ts, written by the build) import nothing.
  if (base === 'api/schema') return base
  for (const c of [base, `${base}.ts`, `${base}.tsx`, `${base}/index.ts`]) if (files.has(c)) return c
  return null
}

const graph = new Map(
  [...files].map(([path, text]) => [
    path,
    importsOf(text)
      .filter((s) => !s.endsWith('.css'))
      .map((s) => resolve(path, s)),
  ]),
)

/** The import circles of the graph, each as the list of modules around it. */
function circles(g: Map<string, (string | null)[]>): string[][] {
  const found: string[][] = []
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (n: string) => {
    state.set(n, 'open')
    stack.push(n)
    for (const m of g.get(n) ?? []) {
      if (m == null) continue
      if (state.get(m) === 'open') found.push(stack.slice(stack.indexOf(m)).concat(m))
      else if (!state.has(m)) visit(m)
    }
    stack.pop()
    state.set(n, 'done')
  }
  for (const n of g.keys()) if (!state.has(n)) visit(n)
  return found
}

describe('the frontend layout', () => {
  it('reads the modules and resolves every relative import', () => {
    expect(files.size).toBeGreaterThan(50)
    expect(files.has('screens/ReadingScreen.tsx')).toBe(true)
    const unresolved = [...graph].flatMap(([path, targets]) =>
      targets.map((t, i) => (t == null ? `${path} -> ${importsOf(files.get(path)!).filter((s) => !s.endsWith('.css'))[i]}` : null)),
    )
    expect(unresolved.filter(Boolean)).toEqual([])
  })

  it('finds a circle where there is one (the check itself)', () => {
    const g = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ])
    expect(circles(g)).toEqual([['a', 'b', 'c', 'a']])
    expect(circles(new Map([['a', ['b']], ['b', []]]))).toEqual([])
  })

  it('has no import circle', () => {
    expect(circles(graph)).toEqual([])
  })

  it('talks to the server only from a source.ts (and the API client itself)', () => {
    const calls = [...files]
      .filter(([path]) => !path.startsWith('api/') && !path.endsWith('/source.ts'))
      .filter(([, text]) => {
        const client = [...text.matchAll(/^import\s+\{([^}]*)\}\s+from\s+'[./]+api\/client'/gm)].flatMap((m) =>
          m[1].split(',').map((s) => s.trim()),
        )
        return client.some((name) => name === 'api' || name === 'request') || /\bfetch\(/.test(text)
      })
      .map(([path]) => path)
    expect(calls).toEqual([])
  })

  it('keeps routes in screens/, imported by the shell alone', () => {
    const importers = [...graph]
      .filter(([path, targets]) => !path.startsWith('screens/') && targets.some((t) => t?.startsWith('screens/')))
      .map(([path]) => path)
    expect(importers).toEqual(['app/App.tsx'])
    const screenToScreen = [...graph].filter(
      ([path, targets]) => path.startsWith('screens/') && targets.some((t) => t?.startsWith('screens/')),
    )
    expect(screenToScreen).toEqual([])
    expect([...files.keys()].filter((p) => p.startsWith('screens/') && p.split('/').length > 2)).toEqual([])
  })

  it('keeps features and shared UI below the screens and the shell', () => {
    const upward = [...graph]
      .filter(([path]) => path.startsWith('features/') || path.startsWith('ui/'))
      .flatMap(([path, targets]) =>
        targets.filter((t) => t != null && (t.startsWith('screens/') || t === 'app/App.tsx')).map((t) => `${path} -> ${t}`),
      )
    expect(upward).toEqual([])
    const uiUp = [...graph]
      .filter(([path]) => path.startsWith('ui/'))
      .flatMap(([path, targets]) => targets.filter((t) => t?.startsWith('features/')).map((t) => `${path} -> ${t}`))
    expect(uiUp).toEqual([])
  })
})
