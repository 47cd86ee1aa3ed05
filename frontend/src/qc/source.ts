/**
 * Where the QC grid's items come from and where its bulk actions go. Until the server has a QC
 * flags API this lists the dataset's images (for browsing) and offers no actions.
 */
import { api, unwrap } from '../api/client'

export type QcAction = 'confirm' | 'reject' | 'rotate' | 'invert'

export interface QcItem {
  /** The flag's id (or the image's, when listing images). */
  id: number
  imageId: number
  kind: string | null
  probability: number | null
  thumbnailUrl: string
}

export interface QcList {
  items: QcItem[]
  canAct: boolean
  note: string | null
}

export async function qcList(dataset: number, _filter: { kind: string; minProbability: number }): Promise<QcList> {
  const page = unwrap(await api.GET('/api/v1/images/', { params: { query: { dataset } as never } }))
  return {
    items: page.results.map((im) => ({
      id: im.id,
      imageId: im.id,
      kind: null,
      probability: null,
      thumbnailUrl: im.thumbnail_url,
    })),
    canAct: false,
    note: 'The QC flags API is not on this server yet: showing the dataset’s images; bulk actions are off.',
  }
}

export async function qcAct(_dataset: number, _ids: number[], _action: QcAction): Promise<number> {
  throw new Error('The QC flags API is not on this server yet.')
}
