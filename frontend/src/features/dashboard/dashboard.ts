/** The dataset dashboard's data (pure): the body of `GET datasets/{id}/dashboard/` and its tiles. */

export interface Dashboard {
  dataset: number
  films: number
  nlp_labelled: number
  qc_held: number
  queued: number
  read_once: number
  read_twice: number
  read_thrice: number
  in_adjudication: number
  final: number
  not_queued: number
  kappa: Array<{ finding: string; fleiss_kappa: number | null; items: number }>
  readers: Array<{ username: string; first_reads: number; last_hour: number; median_seconds: number | null }>
}

export interface Tile {
  key: string
  label: string
  value: number
  hint: string
}

/** The counts in reading order of the pipeline: images, then items by how far they got. */
export function tilesOf(d: Dashboard): Tile[] {
  return [
    { key: 'films', label: 'Films', value: d.films, hint: 'images in the dataset' },
    { key: 'nlp', label: 'NLP-labelled', value: d.nlp_labelled, hint: 'images whose report NLP labelled' },
    { key: 'qc', label: 'QC-held', value: d.qc_held, hint: 'images with an open QC flag, held from reading' },
    { key: 'queued', label: 'Queued', value: d.queued, hint: 'items waiting for their first read' },
    { key: 'once', label: 'Read once', value: d.read_once, hint: 'items with one first read' },
    { key: 'twice', label: 'Read twice', value: d.read_twice, hint: 'items with two first reads' },
    { key: 'thrice', label: 'Read 3+', value: d.read_thrice, hint: 'items with three or more first reads' },
    { key: 'adjudication', label: 'In adjudication', value: d.in_adjudication, hint: 'rounds or the adjudicator' },
    { key: 'final', label: 'Final', value: d.final, hint: 'items with final labels' },
  ]
}

/** Width (0..1) of a kappa bar: kappa runs from -1 to 1; the bar shows 0..1 and clamps below 0. */
export function kappaBar(k: number | null): number {
  return k == null || !Number.isFinite(k) ? 0 : Math.max(0, Math.min(1, k))
}

/** Landis & Koch's words for a kappa. */
export function kappaWords(k: number | null): string {
  if (k == null || !Number.isFinite(k)) return 'not enough items'
  if (k < 0) return 'poor'
  if (k <= 0.2) return 'slight'
  if (k <= 0.4) return 'fair'
  if (k <= 0.6) return 'moderate'
  if (k <= 0.8) return 'substantial'
  return 'almost perfect'
}

export type JobKindKey = 'nlp' | 'qc' | 'scoring' | 'export' | 'import' | 'training'

/** The latest job of each kind from the jobs list (newest first by id). */
export function latestByKind<J extends { id: number; kind: string }>(jobs: readonly J[]): Record<string, J> {
  const out: Record<string, J> = {}
  for (const j of [...jobs].sort((a, b) => b.id - a.id)) if (!(j.kind in out)) out[j.kind] = j
  return out
}
