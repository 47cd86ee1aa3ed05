/**
 * The image's full-bit-depth values and window presets from the API, fetched once per image (and
 * ahead of time for the next item), kept in a small LRU so that showing a preloaded image is a paint.
 *
 * `GET /images/{id}/pixels/?size=N`: little-endian uint16 samples, value = intercept + slope * sample.
 * `GET /images/{id}/windows/`: presets in real units, polarity, the file's VOI LUT.
 */
import { parsePlane, type Plane } from './plane'
import { fetchImageData } from './source'
import type { ImageWindows } from './windowing'
import { renderSize } from './windowing'

export type { Plane } from './plane'

const MAX = 12
const planes = new Map<string, Promise<Plane>>()
const windows = new Map<number, Promise<ImageWindows>>()

function lru<K, V>(map: Map<K, V>, key: K, make: () => V, max: number): V {
  const hit = map.get(key)
  if (hit !== undefined) {
    map.delete(key)
    map.set(key, hit)
    return hit
  }
  const v = make()
  map.set(key, v)
  while (map.size > max) {
    const oldest = map.keys().next().value
    if (oldest === undefined) break
    map.delete(oldest)
  }
  return v
}

export function pixelsUrl(imageId: number, size: number): string {
  return `/api/v1/images/${imageId}/pixels/?size=${size}`
}

export function loadPlane(imageId: number, size: number): Promise<Plane> {
  const url = pixelsUrl(imageId, size)
  const p = lru(planes, url, async () => {
    const r = await fetchImageData(url)
    return parsePlane(await r.arrayBuffer(), (h) => r.headers.get(h))
  }, MAX)
  p.catch(() => planes.delete(url))
  return p
}

export function loadWindows(imageId: number): Promise<ImageWindows> {
  const p = lru(windows, imageId, async () => (await (await fetchImageData(`/api/v1/images/${imageId}/windows/`)).json()) as ImageWindows, 64)
  p.catch(() => windows.delete(imageId))
  return p
}

/** The viewport's longest side (CSS px) last seen by a viewer, so prefetches ask for the same size. */
let viewportLongest = 0

export function setViewportLongest(px: number): void {
  if (px > 0) viewportLongest = px
}

export function getViewportLongest(): number {
  return viewportLongest || Math.max(window.innerWidth * 0.6, window.innerHeight - 120)
}

/** Size of the pixel plane for an image in the current viewport (shared by the viewer and prefetch). */
export function planeSize(image: { rows: number; cols: number }, viewportLongestCss?: number): number {
  return renderSize(Math.max(image.rows, image.cols), viewportLongestCss ?? getViewportLongest(), devicePixelRatio || 1)
}

/** Fetches an image's values and presets ahead of time; resolves when both are in memory. */
export async function preloadImage(image: { id: number; rows: number; cols: number }): Promise<void> {
  await Promise.all([loadPlane(image.id, planeSize(image)), loadWindows(image.id)])
}
