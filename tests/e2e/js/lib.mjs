// Shared helpers of the browser tests: Debian's chromium driven by playwright-core (from
// frontend/node_modules; never a downloaded browser), sign-in through the real login page, and
// screenshots kept under test-artifacts/screenshots/.
import { createRequire } from 'node:module'
import { mkdirSync } from 'node:fs'
import path from 'node:path'

export const config = JSON.parse(process.argv[2] ?? '{}')
const require = createRequire(path.join(config.frontend, 'package.json'))
const { chromium } = require('playwright-core')

export const base = config.base

export async function launch() {
  const browser = await chromium.launch({
    executablePath: config.chromium ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    // playwright-core starts chromium with a fresh, empty --user-data-dir of its own for launch().
  })
  const close = async () => {
    await browser.close().catch(() => {})
  }
  return { browser, close }
}

const allErrors = []

export async function newPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  const page = await context.newPage()
  page.setDefaultTimeout(15000)
  const errors = []
  page.on('pageerror', (e) => {
    errors.push(String(e))
    allErrors.push(String(e?.stack ?? e))
  })
  page.on('console', (m) => {
    // A 4xx answer is the API speaking (the UI shows its message); Chromium logs it as an error.
    if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) {
      errors.push(m.text())
      allErrors.push(m.text())
    }
  })
  page.on('response', (r) => {
    if (r.status() >= 500) {
      errors.push(`${r.status()} ${r.url()}`)
      allErrors.push(`${r.status()} ${r.url()}`)
    }
  })
  return { context, page, errors }
}

export async function signIn(page, username, password, next = '/') {
  await page.goto(base + next)
  await page.waitForURL(/\/accounts\/login\//)
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForSelector('[data-testid="whoami"]')
}

export async function shot(page, name) {
  mkdirSync(config.screenshots, { recursive: true })
  const file = path.join(config.screenshots, `${name}.png`)
  await page.screenshot({ path: file })
  return file
}

/** Runs `body` and prints its result as one JSON line (the pytest side parses the last line). */
export async function run(body) {
  const { browser, close } = await launch()
  try {
    const result = await body(browser)
    console.log(JSON.stringify({ ok: true, ...result }))
  } catch (e) {
    // Keep what the pages showed when it failed, for the person reading the failure.
    let n = 0
    for (const context of browser.contexts()) {
      for (const page of context.pages()) {
        await shot(page, `FAILED-${n++}`).catch(() => {})
      }
    }
    console.log(JSON.stringify({ ok: false, error: `${e?.stack ?? e}\npage errors: ${allErrors.join('\n')}` }))
    process.exitCode = 1
  } finally {
    await close()
  }
}

export function assert(cond, message) {
  if (!cond) throw new Error(`assertion failed: ${message}`)
}
