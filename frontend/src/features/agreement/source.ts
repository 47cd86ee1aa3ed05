/** The agreement's data source: a dataset's agreement statistics. */
import { api, unwrap } from '../../api/client'

export async function agreement(datasetId: number) {
  return unwrap(
    await api.GET('/api/v1/datasets/{dataset_id}/agreement/', { params: { path: { dataset_id: datasetId } } }),
  )
}
