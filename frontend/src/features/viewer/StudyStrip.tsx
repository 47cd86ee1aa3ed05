/** Thumbnails of every image of the study; the current one is marked. */
export function StudyStrip({
  imageIds,
  current,
  onPick,
}: {
  imageIds: readonly number[]
  current: number
  onPick: (id: number) => void
}) {
  if (imageIds.length <= 1) return null
  return (
    <div className="study-strip" role="list" aria-label="Images of this study">
      {imageIds.map((id, i) => (
        <button
          key={id}
          type="button"
          role="listitem"
          className={id === current ? 'thumb current' : 'thumb'}
          aria-current={id === current ? 'true' : undefined}
          aria-label={`Image ${i + 1} of ${imageIds.length} in the study`}
          onClick={() => onPick(id)}
        >
          <img src={`/api/v1/images/${id}/thumbnail/`} alt="" loading="lazy" />
        </button>
      ))}
    </div>
  )
}
