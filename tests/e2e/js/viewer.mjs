// Sign-in, then the viewer: the image paints, a preset key changes the render request, a drag
// changes the window, i inverts, r resets.
import { assert, base, config, newPage, run, shot, signIn } from './lib.mjs'

await run(async (browser) => {
  const { page, errors } = await newPage(browser)
  const renders = []
  page.on('request', (r) => {
    if (r.url().includes('/render/')) renders.push(new URL(r.url()).search)
  })
  await signIn(page, config.user, config.password, `/images/${config.image}`)
  assert(new URL(page.url()).pathname === `/images/${config.image}`, `back on the image after sign-in: ${page.url()}`)
  const img = page.getByTestId('viewer-image')
  await page.waitForFunction(() => {
    const el = document.querySelector('[data-testid="viewer-image"]')
    return el && el.complete && el.naturalWidth > 0
  })
  const first = await img.getAttribute('src')
  await shot(page, 'viewer-default')

  await page.locator('.viewer-canvas').focus()
  await page.keyboard.press('2')
  await page.waitForFunction(() =>
    document.querySelector('[data-testid="viewer-image"]')?.getAttribute('src')?.includes('wc=1229&ww=2048'),
  )
  const lung = await img.getAttribute('src')
  const lungWindow = await page.getByTestId('viewer-window').textContent()
  await shot(page, 'viewer-lung-preset')

  await page.keyboard.press('3')
  await page.waitForFunction(() =>
    document.querySelector('[data-testid="viewer-image"]')?.getAttribute('src')?.includes('wc=2867&ww=1638'),
  )

  // Drag: 50 px right widens by 50 * 4096/1024 = 200; 25 px down raises the centre by 100.
  const box = await page.locator('.viewer-canvas').boundingBox()
  const cx = box.x + box.width / 2
  const cy = box.y + box.height / 2
  await page.mouse.move(cx, cy)
  await page.mouse.down()
  for (let i = 1; i <= 5; i++) await page.mouse.move(cx + 10 * i, cy + 5 * i)
  await page.mouse.up()
  await page.waitForFunction(() =>
    document.querySelector('[data-testid="viewer-image"]')?.getAttribute('src')?.includes('wc=2967&ww=1838'),
  )
  const dragged = await img.getAttribute('src')

  await page.keyboard.press('i')
  await page.waitForFunction(() =>
    document.querySelector('[data-testid="viewer-image"]')?.getAttribute('src')?.includes('invert=1'),
  )
  await shot(page, 'viewer-dragged-inverted')
  await page.keyboard.press('r')
  await page.waitForFunction(
    (u) => document.querySelector('[data-testid="viewer-image"]')?.getAttribute('src') === u,
    first,
  )
  const status = await page.evaluate(async (u) => (await fetch(u)).headers.get('content-type'), lung)
  return { first, lung, lungWindow, dragged, renders, status, errors, base }
})
