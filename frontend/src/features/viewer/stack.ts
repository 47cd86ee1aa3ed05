/**
 * Stack scrolling: the images of a study in order, the next one in a direction, and the preload of
 * the neighbours (metadata, then values and presets) so that stepping through the stack is a paint.
 */
import type { ImageInfo } from '../../api/types'
import { preloadImage } from './pixels'
import { fetchImageInfo } from './source'

/** The id `delta` steps from `current` in `ids`, or null past either end (no wrap-around). */
export function stepInStack(ids: readonly number[], current: number, delta: number): number | null {
  const i = ids.indexOf(current)
  const j = i + delta
  return i >= 0 && j >= 0 && j < ids.length ? ids[j] : null
}

const meta = new Map<number, Promise<ImageInfo>>()

export function imageMeta(id: number): Promise<ImageInfo> {
  let p = meta.get(id)
  if (!p) {
    p = fetchImageInfo(id)
    p.catch(() => meta.delete(id))
    meta.set(id, p)
    if (meta.size > 256) meta.delete(meta.keys().next().value as number)
  }
  return p
}

/** Preloads the images either side of `current` (errors are the viewer's to show when it gets there). */
export function preloadNeighbours(ids: readonly number[], current: number): void {
  for (const d of [1, -1]) {
    const id = stepInStack(ids, current, d)
    if (id != null) imageMeta(id).then(preloadImage).catch(() => undefined)
  }
}
