/** One image in the viewer, with the other images of its study and its NLP and model labels. */
import { useEffect, useRef } from 'react'
import type { ImageInfo } from '../api/types'
import { keyInput, resolveKey } from '../app/hotkeys'
import { navigate } from '../app/router'
import { useAsync } from '../ui/useAsync'
import { useKeys } from '../ui/useKeys'
import { LabelTable } from '../features/reading/LabelTable'
import { imageLabels } from '../features/reading/source'
import { loadImage, loadStudy } from '../features/viewer/source'
import { preloadNeighbours, stepInStack } from '../features/viewer/stack'
import { StudyStrip } from '../features/viewer/StudyStrip'
import { Viewer, type ViewerHandle } from '../features/viewer/Viewer'

export function ImageScreen({ imageId }: { imageId: number }) {
  const image = useAsync(() => loadImage(imageId), [imageId])
  const study = useAsync(async () => {
    if (!image.data) return undefined
    return loadStudy(image.data.study)
  }, [image.data?.study])
  const labels = useAsync(() => imageLabels(imageId), [imageId])
  const viewer = useRef<ViewerHandle>(null)
  const ids = study.data?.image_ids ?? []
  useKeys((e) => {
    const a = resolveKey('viewer', keyInput(e))
    if (!a) return false
    if (a.type === 'next-image' || a.type === 'prev-image') {
      const i = ids.indexOf(imageId)
      const j = i + (a.type === 'next-image' ? 1 : -1)
      if (i >= 0 && j >= 0 && j < ids.length) navigate(`/images/${ids[j]}`, true)
      return true
    }
    return viewer.current?.apply(a) ?? false
  })
  useEffect(() => {
    if (ids.includes(imageId)) preloadNeighbours(ids, imageId)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ids.join(","), imageId])
  if (image.error) return <p role="alert">{image.error}</p>
  if (!image.data) return <p className="loading">Loading image…</p>
  const img: ImageInfo = image.data
  return (
    <div className="workspace">
      <div className="workspace-main">
        <Viewer
          key={img.id}
          ref={viewer}
          image={img}
          stack={
            ids.includes(imageId)
              ? {
                  index: ids.indexOf(imageId),
                  count: ids.length,
                  onStep: (d) => {
                    const id = stepInStack(ids, imageId, d)
                    if (id != null) navigate(`/images/${id}`, true)
                  },
                }
              : null
          }
        />
        <StudyStrip imageIds={ids} current={imageId} onPick={(id) => navigate(`/images/${id}`, true)} />
      </div>
      <aside className="workspace-side" aria-label="Image details">
        <h1 className="h2">Image {img.id}</h1>
        <dl className="facts">
          <dt>Study</dt>
          <dd>{img.study_instance_uid}</dd>
          <dt>Source</dt>
          <dd>{img.source_key || img.file_format}</dd>
          <dt>View / body part</dt>
          <dd>
            {img.view_position || '—'} / {img.body_part || '—'}
          </dd>
        </dl>
        <h2 className="h3">Labels from the report and the models</h2>
        {labels.data ? <LabelTable labels={labels.data} /> : <p className="loading">Loading labels…</p>}
      </aside>
    </div>
  )
}
