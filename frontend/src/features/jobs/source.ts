/** The jobs' data source: a dataset's jobs, cancelling one, starting the NLP labelling job. */
import { api, unwrap } from '../../api/client'
import type { Job } from '../../api/types'

/** The jobs of one dataset (the first page of `GET /jobs/`, filtered here). */
export async function datasetJobs(datasetId: number): Promise<Job[]> {
  return unwrap(await api.GET('/api/v1/jobs/', {})).results.filter((j) => j.dataset === datasetId)
}

export async function cancelJob(jobId: number): Promise<void> {
  unwrap(await api.POST('/api/v1/jobs/{id}/cancel/', { params: { path: { id: jobId } } }))
}

/** Queues the NLP labelling of the dataset's reports. */
export async function startNlp(datasetId: number): Promise<Job> {
  return unwrap(await api.POST('/api/v1/datasets/{id}/nlp/', { params: { path: { id: datasetId } } }))
}
