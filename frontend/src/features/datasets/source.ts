/**
 * Datasets, the data source shared by the screens that start from one: the list the user holds a
 * role on (`GET /datasets/`: the home page's worklists, the console's navigation) and one dataset
 * with its schema and policy (`GET /datasets/{id}/`: the reading screen).
 */
import { api, unwrap } from '../../api/client'
import type { Dataset } from '../../api/types'

export async function listDatasets(): Promise<Dataset[]> {
  return unwrap(await api.GET('/api/v1/datasets/', {})).results
}

export async function loadDataset(id: number): Promise<Dataset> {
  return unwrap(await api.GET('/api/v1/datasets/{id}/', { params: { path: { id } } }))
}
