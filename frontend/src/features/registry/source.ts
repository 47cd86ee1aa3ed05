/**
 * The model registry's data source: a dataset's model versions, one version's metrics and ROC
 * curves, promote and roll back (the only module of the feature that calls the API).
 */
import { api, unwrap, type Schemas } from '../../api/client'

export type Version = Schemas['ModelVersion']
export type Promotion = Schemas['Promotion']

export async function listVersions(datasetId: number): Promise<Version[]> {
  return unwrap(
    await api.GET('/api/v1/datasets/{dataset_id}/model-versions/', {
      params: { path: { dataset_id: datasetId } },
    }),
  ).results
}

export async function promoteVersion(versionId: number): Promise<Promotion> {
  return unwrap(
    await api.POST('/api/v1/model-versions/{version_id}/promote/', { params: { path: { version_id: String(versionId) } } }),
  )
}

/** Puts the production model of `kind` back to the one before it. */
export async function rollbackKind(datasetId: number, kind: string): Promise<Promotion> {
  return unwrap(
    await api.POST('/api/v1/datasets/{dataset_id}/model-versions/rollback/', {
      params: { path: { dataset_id: datasetId } },
      body: { kind },
    }),
  )
}

export async function versionDetail(versionId: number) {
  return unwrap(await api.GET('/api/v1/model-versions/{version_id}/', { params: { path: { version_id: String(versionId) } } }))
}

export async function versionRoc(versionId: number) {
  return unwrap(
    await api.GET('/api/v1/model-versions/{version_id}/roc/', { params: { path: { version_id: String(versionId) } } }),
  )
}
