/** Shapes of GET /api/v1/images/{id}/similar/ and /priors/ (annotations/api/similar_views.py). */

export interface FinalLabel {
  finding: string
  value: 'positive' | 'negative' | 'uncertain' | 'blank'
  version: string
  how_reached: string | null
  rounds: number
}

export interface SimilarCase {
  rank: number
  image: number
  study: number
  view_position: string
  similarity: number
  thumbnail_url: string
  positive_findings: string[]
  how_reached: string | null
  labels: FinalLabel[]
}

export interface SimilarAnswer {
  image: number
  dataset: number
  k: number
  model_version: { id: number; tag: string; status: string }
  search: { method: 'exact' | 'faiss-ivf'; index_generation: string | null; indexed: number; unindexed: number }
  results: SimilarCase[]
}

export interface PriorLabel {
  finding: string
  value: string
  how_reached?: string | null
  source_version?: string
}

export interface PriorImage {
  id: number
  view_position: string
  thumbnail_url: string
  label_source: 'adjudicated' | 'nlp' | null
  labels: PriorLabel[]
}

export interface PriorStudy {
  id: number
  study_date: string | null
  relation: 'prior' | 'same_day' | 'later' | 'undated'
  modality: string
  description: string
  images: PriorImage[]
}

export interface PriorsAnswer {
  image: number
  study: { id: number; study_date: string | null }
  labels_hidden: boolean
  labels_hidden_reason: string | null
  studies: PriorStudy[]
}
