/** Training runs of a dataset: list, launch, cancel (the only module of the feature that calls the API). */
import { api, unwrap, type Schemas } from '../../api/client'

export type Run = Schemas['TrainingRun']
export type LaunchRequest = Schemas['TrainingRunCreateRequest']
export type ModelSpec = Schemas['DatasetModel']

/** The model the dataset trains and scores, as the server decides it (kind, labels, multi-label). */
export async function modelSpec(datasetId: number): Promise<ModelSpec> {
  return unwrap(
    await api.GET('/api/v1/datasets/{dataset_id}/model-spec/', { params: { path: { dataset_id: datasetId } } }),
  )
}

export async function listRuns(datasetId: number): Promise<Run[]> {
  return unwrap(
    await api.GET('/api/v1/datasets/{dataset_id}/training-runs/', { params: { path: { dataset_id: datasetId } } }),
  ).results
}

export async function launchRun(datasetId: number, body: LaunchRequest): Promise<Run> {
  return unwrap(
    await api.POST('/api/v1/datasets/{dataset_id}/training-runs/', {
      params: { path: { dataset_id: datasetId } },
      body,
    }),
  )
}

/** Asks the run to stop; the answer is not checked (the table's next reload shows the state). */
export async function cancelRun(runId: number): Promise<void> {
  await api.POST('/api/v1/training-runs/{run_id}/cancel/', { params: { path: { run_id: String(runId) } } })
}
