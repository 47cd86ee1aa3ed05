/** The snapshots' data source: a dataset's label-set snapshots and creating one. */
import { api, unwrap } from '../../api/client'

export async function listSnapshots(datasetId: number) {
  return unwrap(
    await api.GET('/api/v1/datasets/{dataset_id}/label-sets/', { params: { path: { dataset_id: datasetId } } }),
  ).results
}

/** A snapshot of every final label (it is written by a job; its status says when it is ready). */
export async function createSnapshot(datasetId: number) {
  return unwrap(
    await api.POST('/api/v1/datasets/{dataset_id}/label-sets/', {
      params: { path: { dataset_id: datasetId } },
      body: {},
    }),
  )
}
