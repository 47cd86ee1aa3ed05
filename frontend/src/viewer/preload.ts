/**
 * Fetch-and-decode of rendered images ahead of time, so that showing one is a paint, not a network
 * round trip plus a PNG decode. Keeps the last few decoded images (a small LRU); the browser's HTTP
 * cache (the render endpoint sends Cache-Control: private, max-age=86400) keeps the bytes.
 */

const MAX = 24
const cache = new Map<string, Promise<HTMLImageElement>>()

export function preload(url: string): Promise<HTMLImageElement> {
  const hit = cache.get(url)
  if (hit) {
    cache.delete(url)
    cache.set(url, hit)
    return hit
  }
  const img = new Image()
  img.decoding = 'async'
  const p = new Promise<HTMLImageElement>((resolve, reject) => {
    img.onload = () => {
      img.decode().then(
        () => resolve(img),
        () => resolve(img),
      )
    }
    img.onerror = () => {
      cache.delete(url)
      reject(new Error(`could not load ${url}`))
    }
  })
  img.src = url
  cache.set(url, p)
  while (cache.size > MAX) {
    const oldest = cache.keys().next().value
    if (oldest === undefined) break
    cache.delete(oldest)
  }
  return p
}

export function isPreloaded(url: string): boolean {
  return cache.has(url)
}

/** The viewport's longest side (CSS px) last seen by a viewer, so prefetches ask for the same size. */
let viewportLongest = 0

export function setViewportLongest(px: number): void {
  if (px > 0) viewportLongest = px
}

export function getViewportLongest(): number {
  return viewportLongest || Math.max(window.innerWidth * 0.6, window.innerHeight - 120)
}
