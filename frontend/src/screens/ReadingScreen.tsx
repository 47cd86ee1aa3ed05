/** Reading and adjudication (filled in as the reading API lands). */
export function ReadingScreen({ dataset, mode }: { dataset: number; mode: 'read' | 'adjudicate' }) {
  return (
    <section className="panel">
      <h1>{mode === 'read' ? 'Reading' : 'Adjudication'}</h1>
      <p>The reading API for dataset {dataset} is not on this server yet.</p>
    </section>
  )
}
