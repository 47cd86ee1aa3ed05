/** Uploading a file for import into a dataset (the import runs as a job shown in the jobs table). */
import { useState, type FormEvent } from 'react'
import type { Dataset } from '../../api/types'
import { uploadImport, type Importer } from './source'

const IMPORTERS: Record<Importer, string> = {
  dicom: 'DICOM file, folder zip or DICOM SR',
  chestxray14: 'ChestX-ray14 (NIH) zip',
  chexpert: 'CheXpert zip',
  google4: 'Google NIH expert labels (4 findings) CSV',
  kermany: 'Kermany OCT / pediatric CXR zip',
  reports: 'Reports CSV',
}

export function UploadPanel({ dataset, onQueued }: { dataset: Dataset; onQueued: () => void }) {
  const [importer, setImporter] = useState<Importer>('dicom')
  const [file, setFile] = useState<File | null>(null)
  const [busy, setBusy] = useState(false)
  const [message, setMessage] = useState<string | null>(null)
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    if (!file) return
    setBusy(true)
    setMessage(null)
    try {
      const job = await uploadImport(dataset.id, importer, file)
      setMessage(`Import job #${job.id} queued; its progress shows above.`)
      onQueued()
    } catch (err) {
      setMessage(err instanceof Error ? err.message : String(err))
    } finally {
      setBusy(false)
    }
  }
  return (
    <section className="panel" aria-labelledby="upload-h">
      <h3 id="upload-h">Import data</h3>
      <form className="upload" onSubmit={submit}>
        <label>
          Importer
          <select value={importer} onChange={(e) => setImporter(e.target.value as Importer)}>
            {Object.entries(IMPORTERS).map(([k, v]) => (
              <option key={k} value={k}>
                {v}
              </option>
            ))}
          </select>
        </label>
        <label>
          File
          <input type="file" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </label>
        <button type="submit" className="button primary" disabled={!file || busy}>
          {busy ? 'Uploading…' : 'Upload and import'}
        </button>
      </form>
      {message && <p role="status">{message}</p>}
    </section>
  )
}
