// Sign-in, then the viewer over full-bit-depth pixels: the values arrive once, the canvas is painted
// in the browser exactly as the server's VOI maths, presets (number keys) and drags change the window
// with no request to the server, i inverts, r resets; window-drag repaint times are measured.
// With config.real (a real MONOCHROME1 chest DICOM), the lung preset must keep the film readable.
import { assert, base, config, newPage, run, shot, signIn } from './lib.mjs'

const painted = (page) => page.waitForSelector('[data-testid="viewer-image"][data-painted="1"]')

/** Canvas bytes against the VOI maths of PS3.3 recomputed here from /pixels/ and /windows/. */
async function check(page, imageId) {
  return page.evaluate(async (id) => {
    const canvas = document.querySelector('[data-testid="viewer-image"]')
    const w = Number(canvas.dataset.ww)
    const c = Number(canvas.dataset.wc)
    const invert = canvas.dataset.invert === '1'
    const size = Math.max(canvas.width, canvas.height)
    const r = await fetch(`/api/v1/images/${id}/pixels/?size=${size}&by=test`)
    const q = new Uint16Array(await r.arrayBuffer())
    const slope = Number(r.headers.get('X-Arbiter-Slope'))
    const intercept = Number(r.headers.get('X-Arbiter-Intercept'))
    const win = await (await fetch(`/api/v1/images/${id}/windows/?by=test`)).json()
    const mono1 = win.photometric === 'MONOCHROME1'
    const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data
    let worst = 0
    let white = 0
    const n = q.length
    for (let i = 0; i < n; i += 7) {
      const x = intercept + slope * q[i]
      let y = w <= 1 ? (x > c - 0.5 ? 1 : 0) : Math.min(1, Math.max(0, (x - (c - 0.5)) / (w - 1) + 0.5))
      if (mono1 !== invert) y = 1 - y
      worst = Math.max(worst, Math.abs(px[i * 4] - Math.floor(255 * y + 0.5)))
    }
    for (let i = 0; i < n; i++) if (px[i * 4] === 255) white++
    return { worst, white: white / n, w, c, presets: win.presets.map((p) => [p.key, p.center, p.width]) }
  }, imageId)
}

await run(async (browser) => {
  const { page, errors } = await newPage(browser)
  const requests = []
  page.on('request', (r) => {
    const u = new URL(r.url())
    // The viewer's own requests (this script's checks fetch with by=test).
    if (u.pathname.startsWith('/api/v1/images/') && !u.search.includes('by=test')) requests.push(u.pathname + u.search)
  })
  await signIn(page, config.user, config.password, `/images/${config.image}`)
  assert(new URL(page.url()).pathname === `/images/${config.image}`, `back on the image after sign-in: ${page.url()}`)
  await painted(page)
  const canvas = page.getByTestId('viewer-image')
  const toolbar = await page.locator('.viewer-toolbar button[data-preset]').evaluateAll((b) => b.map((x) => x.dataset.preset))
  const first = await check(page, config.image)
  await shot(page, 'viewer-default')

  await page.locator('.viewer-canvas').focus()
  const key = (preset) => String(toolbar.indexOf(preset) + 1)
  await page.keyboard.press(key('lung'))
  await page.waitForSelector('[data-testid="viewer-image"][data-preset="lung"]')
  const lung = await check(page, config.image)
  const lungWindow = await page.getByTestId('viewer-window').textContent()
  await shot(page, 'viewer-lung-preset')

  // Drag from the bone preset: 50 px right, 25 px down, in 60 small steps (each one repainted).
  await page.keyboard.press(key('bone'))
  await page.waitForSelector('[data-testid="viewer-image"][data-preset="bone"]')
  const bone = { wc: Number(await canvas.getAttribute('data-wc')), ww: Number(await canvas.getAttribute('data-ww')) }
  const box = await page.locator('.viewer-canvas').boundingBox()
  const cx = box.x + box.width / 2
  const cy = box.y + box.height / 2
  await page.evaluate(() => {
    window.__arbiterViewer = { frames: [] }
  })
  const before = requests.length
  await page.mouse.move(cx, cy)
  await page.mouse.down()
  const steps = 60
  for (let i = 1; i <= steps; i++) await page.mouse.move(cx + (50 * i) / steps, cy + (25 * i) / steps)
  await page.mouse.up()
  const duringDrag = requests.slice(before)
  const frames = await page.evaluate(() => window.__arbiterViewer.frames)
  const dragged = await check(page, config.image)

  await page.keyboard.press('i')
  await page.waitForSelector('[data-testid="viewer-image"][data-invert="1"]')
  const inverted = await check(page, config.image)
  await shot(page, 'viewer-dragged-inverted')
  await page.keyboard.press('r')
  await page.waitForSelector('[data-testid="viewer-image"][data-preset="default"][data-invert="0"]')
  const reset = await check(page, config.image)

  let real = null
  if (config.real) {
    await page.goto(`${base}/images/${config.real}`)
    await painted(page)
    const realDefault = await check(page, config.real)
    await page.locator('.viewer-canvas').focus()
    const lungIndex = realDefault.presets.findIndex((p) => p[0] === 'lung') + 1
    await page.keyboard.press(String(lungIndex))
    await page.waitForSelector('[data-testid="viewer-image"][data-preset="lung"]')
    real = { default: realDefault, lung: await check(page, config.real), label: await page.getByTestId('viewer-window').textContent() }
    await shot(page, 'viewer-real-cr-lung')
    // Drag on the real film (its plane is the viewport's size in device pixels), timing each repaint.
    const rb = await page.locator('.viewer-canvas').boundingBox()
    await page.evaluate(() => {
      window.__arbiterViewer = { frames: [] }
    })
    await page.mouse.move(rb.x + rb.width / 2, rb.y + rb.height / 2)
    await page.mouse.down()
    for (let i = 1; i <= 60; i++) await page.mouse.move(rb.x + rb.width / 2 + i, rb.y + rb.height / 2 + i / 2)
    await page.mouse.up()
    real.frames = await page.evaluate(() => window.__arbiterViewer.frames)
    // Baseline, same run: what an exact new window cost before, a server render per window change
    // (uncached: each window is a new URL), at the same size.
    real.serverRenderMs = await page.evaluate(async ([id, size]) => {
      const out = []
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now()
        const r = await fetch(`/api/v1/images/${id}/render/?wc=${9000 + 37 * i}&ww=${10000 + 53 * i}&size=${size}&format=png&by=test`)
        await r.arrayBuffer()
        out.push(performance.now() - t0)
      }
      return out
    }, [config.real, 1024])
    real.plane = await page.evaluate(() => {
      const c = document.querySelector('[data-testid="viewer-image"]')
      return [c.width, c.height]
    })
  }
  return { toolbar, first, lung, lungWindow, bone, dragged, inverted, reset, frames, duringDrag, requests, real, errors }
})
