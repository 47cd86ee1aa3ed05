/**
 * The dashboard's data source: the dataset's counts, agreement and reader speed
 * (`GET datasets/{id}/dashboard/`) and the jobs its buttons start. The job list and the NLP job are
 * the jobs feature's calls, used as they are.
 */
import { api, request, unwrap } from '../../api/client'
import type { Dashboard } from './dashboard'

export { datasetJobs, startNlp } from '../jobs/source'

export function loadDashboard(datasetId: number): Promise<Dashboard> {
  return request<Dashboard>('GET', `/api/v1/datasets/${datasetId}/dashboard/`)
}

/** Queues bad-image detection over the dataset. */
export async function runQc(datasetId: number) {
  return unwrap(await api.POST('/api/v1/datasets/{dataset_id}/qc/', { params: { path: { dataset_id: datasetId } }, body: {} }))
}

/** Scores the dataset with its production model; refused here when there is none yet. */
export async function scoreWithProduction(datasetId: number): Promise<unknown> {
  const versions = await request<{ results?: Array<{ id: number; status: string }> } | Array<{ id: number; status: string }>>(
    'GET',
    `/api/v1/datasets/${datasetId}/model-versions/`,
  )
  const list = Array.isArray(versions) ? versions : (versions.results ?? [])
  const prod = list.find((v) => v.status === 'production')
  if (!prod) throw new Error('No production model to score with yet: train one first.')
  return request('POST', `/api/v1/datasets/${datasetId}/scoring/`, { model_version: prod.id })
}

/** A label-set snapshot of the final labels (the snapshots panel shows it being written). */
export function snapshotFinalLabels(datasetId: number): Promise<unknown> {
  return request('POST', `/api/v1/datasets/${datasetId}/label-sets/`, {})
}
