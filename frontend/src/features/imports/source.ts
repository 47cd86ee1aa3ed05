/** The imports' data source: a file uploaded as multipart form data, answered with its import job. */
import { request, type Schemas } from '../../api/client'
import type { Job } from '../../api/types'

export type Importer = Schemas['ImporterEnum']

export function uploadImport(datasetId: number, importer: Importer, file: File): Promise<Job> {
  const body = new FormData()
  body.set('importer', importer)
  body.set('file', file)
  return request<Job>('POST', `/api/v1/datasets/${datasetId}/imports/`, body)
}
