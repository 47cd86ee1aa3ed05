/** The stuck cases' data source: cases no adjudicator of the dataset may decide, and how many adjudicators it has. */
import { api, unwrap } from '../../api/client'

export async function stuckCases(datasetId: number) {
  return unwrap(
    await api.GET('/api/v1/datasets/{dataset_id}/stuck-cases/', {
      params: { path: { dataset_id: String(datasetId) } },
    }),
  )
}
