/**
 * The viewer's data source, the only module of the viewer that talks to the server: an image's
 * record and its study (`GET /images/{id}/`, `GET /studies/{id}/`) and the raw bodies of the
 * pixels and windows endpoints (decoded and cached in `pixels.ts`).
 */
import { api, unwrap } from '../../api/client'
import type { ImageInfo } from '../../api/types'

/** One image's record (`GET /images/{id}/`); an error answer is an ApiError. */
export async function loadImage(id: number): Promise<ImageInfo> {
  return unwrap(await api.GET('/api/v1/images/{id}/', { params: { path: { id } } }))
}

/** The study an image belongs to, with its images in order (`GET /studies/{id}/`). */
export async function loadStudy(id: number) {
  return unwrap(await api.GET('/api/v1/studies/{id}/', { params: { path: { id } } }))
}

/** An image's record for stack scrolling and preloading (the error text names the image). */
export function fetchImageInfo(id: number): Promise<ImageInfo> {
  return api.GET('/api/v1/images/{id}/', { params: { path: { id } } }).then(({ data, error }) => {
    if (!data) throw new Error(`image ${id}: ${JSON.stringify(error)}`)
    return data
  })
}

/** A binary or JSON image resource (pixels, windows) fetched as it is, refused with its status. */
export async function fetchImageData(url: string): Promise<Response> {
  const r = await fetch(url, { credentials: 'same-origin' })
  if (!r.ok) throw new Error(`The image could not be loaded (${r.status}).`)
  return r
}
