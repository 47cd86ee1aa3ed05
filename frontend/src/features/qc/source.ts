/**
 * The QC grid's data: open QC flags of a dataset (`GET /datasets/{id}/qc-flags/`, filtered by kind
 * and probability) and bulk resolution (`POST /datasets/{id}/qc-flags/resolve/`: confirm, reject,
 * correct by rotating / inverting, or fix: each flag's own suggested fix, applied to the derived
 * image on the server; the stored pixels never change).
 */
import { api, unwrap, type Schemas } from '../../api/client'
import { fixOf, type QcFix } from './fix'

export { fixOf, fixPreviewStyle, type QcFix } from './fix'

export type QcAction = 'confirm' | 'reject' | 'rotate' | 'invert' | 'fix'
export type QcKind = Schemas['QCFlagKindEnum']

export const QC_KINDS: Record<QcKind, string> = {
  rotated: 'Rotated',
  flipped: 'Mirrored',
  inverted: 'Inverted',
  non_frontal: 'Not frontal',
  wrong_body_part: 'Wrong body part',
  pediatric: 'Pediatric',
  burned_in: 'Burned-in text',
}

export interface QcItem {
  id: number
  imageId: number
  kind: QcKind
  probability: number
  thumbnailUrl: string
  /** What the detector saw ("rotated 90° clockwise", "mirrored left-right"), if it says. */
  detected: string | null
  /** The suggested fix and its words, if the flag carries one (rule flags do not). */
  fix: QcFix | null
  fixLabel: string | null
}

/** Pages fetched at most per load (50 flags each): a grid of up to 500 to clear. */
const MAX_PAGES = 10

export async function qcList(
  dataset: number,
  filter: { kind: QcKind | ''; minProbability: number },
): Promise<QcItem[]> {
  const items: QcItem[] = []
  for (let page = 1; page <= MAX_PAGES; page++) {
    const r = unwrap(
      await api.GET('/api/v1/datasets/{dataset_id}/qc-flags/', {
        params: {
          path: { dataset_id: dataset },
          query: {
            status: ['open'],
            ...(filter.kind ? { kind: [filter.kind] } : {}),
            min_probability: filter.minProbability,
            page,
          },
        },
      }),
    )
    for (const f of r.results) {
      const { fix, label, detected } = fixOf(f.detail)
      items.push({
        id: f.id,
        imageId: f.image,
        kind: f.kind,
        probability: f.probability,
        thumbnailUrl: f.thumbnail_url,
        detected,
        fix,
        fixLabel: label,
      })
    }
    if (!r.next) break
  }
  return items
}

export async function qcAct(
  dataset: number,
  flagIds: number[],
  action: QcAction,
  rotate: 90 | 180 | 270 = 90,
): Promise<Schemas['QCResolveResult']> {
  const body: Schemas['QCResolveRequest'] =
    action === 'rotate'
      ? { flag_ids: flagIds, action: 'correct', rotate, flip: false, invert: false, note: '' }
      : action === 'invert'
        ? { flag_ids: flagIds, action: 'correct', rotate: 0, flip: false, invert: true, note: '' }
        : { flag_ids: flagIds, action, rotate: 0, flip: false, invert: false, note: '' }
  return unwrap(
    await api.POST('/api/v1/datasets/{dataset_id}/qc-flags/resolve/', {
      params: { path: { dataset_id: dataset } },
      body,
    }),
  )
}
