/**
 * The typed API client: openapi-fetch over the types generated from the server's OpenAPI schema
 * (`src/api/schema.d.ts`, written by `scripts/frontend.sh build` from `manage.py spectacular`, so the
 * client never drifts from the server). Session cookie auth; writes carry Django's CSRF token.
 */
import createClient, { type Middleware } from 'openapi-fetch'
import type { components, paths } from './schema'

export type Schemas = components['schemas']

export function csrfToken(): string {
  const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/)
  return m ? decodeURIComponent(m[1]) : ''
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

const csrf: Middleware = {
  onRequest({ request }) {
    if (UNSAFE.has(request.method.toUpperCase())) request.headers.set('X-CSRFToken', csrfToken())
    return request
  },
}

/** A signed-out session (expired, or signed out in another tab) goes to the sign-in page. */
const signIn: Middleware = {
  onResponse({ response }) {
    if (response.status === 401 || (response.status === 403 && response.url.endsWith('/api/v1/me/'))) {
      toSignIn()
    }
    return response
  },
}

export function toSignIn(): void {
  const next = window.location.pathname + window.location.search
  window.location.assign(`/accounts/login/?next=${encodeURIComponent(next)}`)
}

export const api = createClient<paths>({
  baseUrl: window.location.origin,
  credentials: 'same-origin',
  headers: { Accept: 'application/json' },
})
api.use(csrf, signIn)

/** An API error with the server's message ({"error": {"code", "message", "detail"}}). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly detail: unknown,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

interface Envelope {
  error?: { code?: string; message?: string; detail?: unknown }
}

export function toApiError(error: unknown, response: Response): ApiError {
  const e = (error as Envelope | undefined)?.error
  const detail = e?.detail
  let message = e?.message ?? `${response.status} ${response.statusText}`
  if (detail && typeof detail === 'object') {
    const parts = Object.entries(detail as Record<string, unknown>).map(
      ([k, v]) => `${k}: ${Array.isArray(v) ? v.join(' ') : String(v)}`,
    )
    if (parts.length) message = `${message} ${parts.join('; ')}`
  }
  return new ApiError(message, response.status, e?.code ?? 'error', detail)
}

/** The data of an openapi-fetch result, or an ApiError. */
export function unwrap<T>(r: { data?: T; error?: unknown; response: Response }): T {
  if (r.error !== undefined || !r.response.ok) throw toApiError(r.error, r.response)
  return r.data as T
}

/** Plain JSON request for endpoints the generated types do not know yet (feature-detected). */
export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (body !== undefined && !(body instanceof FormData)) headers['Content-Type'] = 'application/json'
  if (UNSAFE.has(method)) headers['X-CSRFToken'] = csrfToken()
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : body instanceof FormData ? body : JSON.stringify(body),
  })
  if (response.status === 401) toSignIn()
  const text = await response.text()
  const data = text ? JSON.parse(text) : undefined
  if (!response.ok) throw toApiError(data, response)
  return data as T
}

export interface Page<T> {
  count: number
  next: string | null
  previous: string | null
  results: T[]
}

/** The items of a list answer, paginated ({results}) or plain (some actions answer a bare list). */
export function itemsOf<T>(data: T[] | { results: T[] } | readonly T[]): T[] {
  return Array.isArray(data) ? (data as T[]) : (data as { results: T[] }).results
}
