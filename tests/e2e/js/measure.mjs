// Measurement tools over the viewer (issue #17.4): on a real DX of known PixelSpacing, zoomed and
// panned, a length drawn across the screen reads (screen length / on-screen image px) x spacing mm;
// the canvas' pixels are the same before and after; Esc cancels a measurement being drawn; the
// bidirectional's short axis is perpendicular; an ellipse gives an area and the mean of the values
// inside (recomputed here from /pixels/); Delete removes one. An image without spacing says px.
import { assert, base, config, newPage, run, shot, signIn } from './lib.mjs'

const painted = (page) => page.waitForSelector('[data-testid="viewer-image"][data-painted="1"]')

const canvasHash = (page) =>
  page.evaluate(() => {
    const c = document.querySelector('[data-testid="viewer-image"]')
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data
    let h = 0
    for (let i = 0; i < d.length; i += 4) h = (Math.imul(h, 31) + d[i]) | 0
    return h
  })

const stackRect = (page) =>
  page.evaluate(() => {
    const r = document.querySelector('.viewer-stack').getBoundingClientRect()
    return { left: r.left, top: r.top, width: r.width, height: r.height }
  })

async function drag(page, a, b) {
  await page.mouse.move(a[0], a[1])
  await page.mouse.down()
  for (let i = 1; i <= 8; i++) await page.mouse.move(a[0] + ((b[0] - a[0]) * i) / 8, a[1] + ((b[1] - a[1]) * i) / 8)
  await page.mouse.up()
}

const measurements = (page) =>
  page.getByTestId('measurement').evaluateAll((els) =>
    els.map((e) => ({ kind: e.dataset.kind, value: Number(e.dataset.value), unit: e.dataset.unit, mean: e.dataset.mean, text: e.querySelector('.measure-pick').innerText })),
  )

await run(async (browser) => {
  const { page, errors } = await newPage(browser)
  await signIn(page, config.user, config.password, `/images/${config.image}`)
  await painted(page)
  const win = await page.evaluate(async (id) => (await (await fetch(`/api/v1/images/${id}/windows/`)).json()), config.image)
  const box = await page.locator('.viewer-canvas').boundingBox()
  const cx = box.x + box.width / 2
  const cy = box.y + box.height / 2

  // Zoom in twice (+), then pan (Shift+drag) so that neither is the identity.
  await page.locator('.viewer-canvas').focus()
  await page.keyboard.press('+')
  await page.keyboard.press('+')
  await page.keyboard.down('Shift')
  await drag(page, [cx, cy], [cx - 60, cy + 35])
  await page.keyboard.up('Shift')
  const before = await canvasHash(page)

  // Length tool (l): a drag of 300 x 160 CSS px.
  await page.keyboard.press('l')
  const rect = await stackRect(page)
  const a = [cx - 150, cy - 80]
  const b = [cx + 150, cy + 80]
  await drag(page, a, b)
  await page.getByTestId('measurement').first().waitFor()
  const pxPerCss = win.cols / rect.width
  const expectedLength = Math.hypot((b[0] - a[0]) * pxPerCss * win.pixel_spacing[1], (b[1] - a[1]) * (win.rows / rect.height) * win.pixel_spacing[0])
  const length = (await measurements(page))[0]
  const after = await canvasHash(page)
  await shot(page, 'viewer-measure-length')

  // Esc while drawing a second one cancels it (press while the mouse is still down).
  await page.mouse.move(cx - 100, cy)
  await page.mouse.down()
  await page.mouse.move(cx + 100, cy + 10)
  await page.keyboard.press('Escape')
  await page.mouse.up()
  const afterEsc = (await measurements(page)).length

  // Bidirectional (d): long axis, then a slanted short axis that is made perpendicular.
  await page.keyboard.press('d')
  await drag(page, [cx - 120, cy + 100], [cx + 120, cy + 100])
  await drag(page, [cx - 20, cy + 60], [cx + 25, cy + 160])
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="measurement"]').length === 2)
  const bidirText = (await measurements(page))[1].text
  const lines = await page.locator('[data-testid="measure-layer"] g[data-kind="bidirectional"] line').evaluateAll((ls) =>
    ls.map((l) => ['x1', 'y1', 'x2', 'y2'].map((k) => Number(l.getAttribute(k)))),
  )

  // Ellipse (v) on the film, and the mean of the values inside recomputed from the plane.
  await page.keyboard.press('v')
  const e0 = [cx - 70, cy - 50]
  const e1 = [cx + 30, cy + 30]
  await drag(page, e0, e1)
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="measurement"]').length === 3)
  const ellipse = (await measurements(page))[2]
  const rect2 = await stackRect(page)
  const toImg = (p) => [((p[0] - rect2.left) / rect2.width) * win.cols, ((p[1] - rect2.top) / rect2.height) * win.rows]
  const expectedMean = await page.evaluate(
    async ([id, size, p0, p1, cols, rows]) => {
      const r = await fetch(`/api/v1/images/${id}/pixels/?size=${size}&by=test`)
      const q = new Uint16Array(await r.arrayBuffer())
      const pr = Number(r.headers.get('X-Arbiter-Rows'))
      const pc = Number(r.headers.get('X-Arbiter-Cols'))
      const slope = Number(r.headers.get('X-Arbiter-Slope'))
      const icpt = Number(r.headers.get('X-Arbiter-Intercept'))
      const ecx = ((p0[0] + p1[0]) / 2) * (pc / cols)
      const ecy = ((p0[1] + p1[1]) / 2) * (pr / rows)
      const rx = (Math.abs(p1[0] - p0[0]) / 2) * (pc / cols)
      const ry = (Math.abs(p1[1] - p0[1]) / 2) * (pr / rows)
      let s = 0
      let n = 0
      for (let j = 0; j < pr; j++)
        for (let i = 0; i < pc; i++) {
          const dx = (i + 0.5 - ecx) / rx
          const dy = (j + 0.5 - ecy) / ry
          if (dx * dx + dy * dy <= 1) {
            s += icpt + slope * q[j * pc + i]
            n++
          }
        }
      return s / n
    },
    [config.image, Math.max(...(await page.evaluate(() => { const c = document.querySelector('[data-testid="viewer-image"]'); return [c.width, c.height] }))), toImg(e0), toImg(e1), win.cols, win.rows],
  )
  const expectedArea = Math.PI * (Math.abs(toImg(e1)[0] - toImg(e0)[0]) / 2) * win.pixel_spacing[1] * (Math.abs(toImg(e1)[1] - toImg(e0)[1]) / 2) * win.pixel_spacing[0]
  await shot(page, 'viewer-measure-all')

  // Delete (the selected one: the ellipse just drawn), then the list's own delete button.
  await page.keyboard.press('Escape') // leaves the ellipse tool
  const toolAfterEsc = await page.locator('.viewer-canvas').getAttribute('data-tool')
  await page.keyboard.press('Delete')
  const afterDelete = (await measurements(page)).map((m) => m.kind)
  await page.getByRole('button', { name: 'Delete measurement 1' }).click()
  const afterButton = (await measurements(page)).map((m) => m.kind)
  const finalHash = await canvasHash(page)

  // An image without spacing measures in px.
  let noSpacing = null
  if (config.plain) {
    await page.goto(`${base}/images/${config.plain}`)
    await painted(page)
    await page.locator('.viewer-canvas').focus()
    await page.keyboard.press('l')
    const pb = await page.locator('.viewer-canvas').boundingBox()
    await drag(page, [pb.x + pb.width / 2 - 50, pb.y + pb.height / 2], [pb.x + pb.width / 2 + 50, pb.y + pb.height / 2])
    await page.getByTestId('measurement').first().waitFor()
    const pr = await stackRect(page)
    noSpacing = { ...(await measurements(page))[0], expected: (100 * 256) / pr.width }
  }
  assert(errors.length === 0, errors.join('\n'))
  return {
    length,
    expectedLength,
    before,
    after,
    finalHash,
    afterEsc,
    bidirText,
    lines,
    ellipse,
    expectedMean,
    expectedArea,
    toolAfterEsc,
    afterDelete,
    afterButton,
    noSpacing,
    spacing: win.pixel_spacing,
    errors,
  }
})
