/** The reading policy's data source: the named protocol presets and a partial policy update
 * (`PATCH datasets/{id}/policy/`, answered with the dataset as saved; a 400 is an ApiError whose
 * detail names the fields). */
import { api, unwrap } from '../../api/client'
import type { Dataset } from '../../api/types'
import type { PolicyRequest } from './policyForm'

export async function protocolPresets() {
  return unwrap(await api.GET('/api/v1/protocol-presets/'))
}

export async function patchPolicy(datasetId: number, body: PolicyRequest): Promise<Dataset> {
  return unwrap(
    await api.PATCH('/api/v1/datasets/{id}/policy/', {
      params: { path: { id: datasetId } },
      body,
    }),
  )
}
