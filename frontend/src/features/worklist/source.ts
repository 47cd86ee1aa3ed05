/** The worklist's data source: its summary and queueing images for reading (admins). */
import { api, unwrap } from '../../api/client'

export async function worklistSummary(datasetId: number) {
  return unwrap(
    await api.GET('/api/v1/datasets/{dataset_id}/worklist/summary/', {
      params: { path: { dataset_id: datasetId } },
    }),
  )
}

/** Queues images for reading in random order (seed 0), all of them or the first `limit`. */
export async function enqueueRandom(datasetId: number, limit: number | null) {
  return unwrap(
    await api.POST('/api/v1/datasets/{dataset_id}/worklist/enqueue/', {
      params: { path: { dataset_id: datasetId } },
      body: { strategy: 'random', seed: 0, ...(limit != null ? { limit } : {}) },
    }),
  )
}
