/** The final labels' data source: the first page of a dataset's final labels. */
import { api, unwrap } from '../../api/client'

export async function finalLabels(datasetId: number) {
  return unwrap(
    await api.GET('/api/v1/datasets/{dataset_id}/final-labels/', {
      params: { path: { dataset_id: datasetId } },
    }),
  )
}
