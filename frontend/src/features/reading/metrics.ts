/**
 * Submit-to-paint timing, kept on window.__arbiter for the browser tests (and curious readers):
 * the time from a submit's click/key to the next item's image painted.
 */

interface Metrics {
  submitAt: number | null
  submitToPaint: number[]
  painted: Array<{ image: number; at: number }>
}

declare global {
  interface Window {
    __arbiter?: Metrics
  }
}

function metrics(): Metrics {
  window.__arbiter ??= { submitAt: null, submitToPaint: [], painted: [] }
  return window.__arbiter
}

/** Marks the moment the reader submitted (the start of the wait for the next image). */
export function markSubmitStart(): void {
  metrics().submitAt = performance.now()
}

export function recordPaint(image: number, at: number): void {
  const m = metrics()
  m.painted.push({ image, at })
  if (m.submitAt != null) {
    m.submitToPaint.push(at - m.submitAt)
    m.submitAt = null
  }
}
