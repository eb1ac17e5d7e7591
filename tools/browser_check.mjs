// Opens a report.html in headless Chromium over the DevTools protocol (a pipe, no
// packages needed) and checks it: no console error or exception, no request for anything
// but the file itself (and data: URLs), every inline SVG plot rendered at a non-zero
// size, the table of contents' links resolve, a sortable table sorts; then saves a
// full-page screenshot.
//
//   node tools/browser_check.mjs REPORT.html SCREENSHOT.png [CHROMIUM]
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [page, shot, chromium = '/usr/bin/chromium'] = process.argv.slice(2);
if (!page || !shot) {
  console.error('usage: node tools/browser_check.mjs REPORT.html SCREENSHOT.png [CHROMIUM]');
  process.exit(2);
}
const url = pathToFileURL(resolve(page)).href;
const profile = mkdtempSync(join(tmpdir(), 'myelin-browser-check-'));
const browser = spawn(chromium, [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-extensions', '--disable-default-apps', '--mute-audio',
  '--host-resolver-rules=MAP * ~NOTFOUND', `--user-data-dir=${profile}`,
  '--window-size=1400,1000', '--remote-debugging-pipe', 'about:blank',
], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
let browserLog = '';
browser.stderr.on('data', (d) => { browserLog += d; });

const failures = [];
const requests = [];
let nextId = 1;
const pending = new Map();
const listeners = [];
let buffer = Buffer.alloc(0);
browser.stdio[4].on('data', (chunk) => {
  buffer = Buffer.concat([buffer, chunk]);
  let end;
  while ((end = buffer.indexOf(0)) >= 0) {
    const message = JSON.parse(buffer.subarray(0, end).toString('utf8'));
    buffer = buffer.subarray(end + 1);
    if (message.id && pending.has(message.id)) {
      const { ok, fail } = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) fail(new Error(`${JSON.stringify(message.error)}`)); else ok(message.result);
    } else if (message.method) {
      for (const l of listeners) l(message);
    }
  }
});
function send(method, params = {}, sessionId) {
  const id = nextId++;
  const message = { id, method, params };
  if (sessionId) message.sessionId = sessionId;
  browser.stdio[3].write(JSON.stringify(message) + '\0');
  return new Promise((ok, fail) => pending.set(id, { ok, fail }));
}
function waitFor(method, timeoutMs) {
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`timed out waiting for ${method}`)), timeoutMs);
    listeners.push((m) => { if (m.method === method) { clearTimeout(timer); ok(m.params); } });
  });
}
listeners.push((m) => {
  const p = m.params || {};
  if (m.method === 'Runtime.consoleAPICalled' && (p.type === 'error' || p.type === 'assert')) {
    failures.push(`console ${p.type}: ${p.args.map((a) => a.value ?? a.description).join(' ')}`);
  } else if (m.method === 'Runtime.exceptionThrown') {
    failures.push(`exception: ${p.exceptionDetails.exception?.description ?? p.exceptionDetails.text}`);
  } else if (m.method === 'Log.entryAdded' && p.entry.level === 'error') {
    failures.push(`log error: ${p.entry.text} ${p.entry.url ?? ''}`);
  } else if (m.method === 'Network.requestWillBeSent') {
    requests.push(p.request.url);
  }
});

const watchdog = setTimeout(() => { console.error('browser check: timed out after 60 s'); finish(3); }, 60000);
function finish(code) {
  clearTimeout(watchdog);
  browser.kill('SIGKILL');
  try { rmSync(profile, { recursive: true, force: true }); } catch { /* best effort */ }
  process.exit(code);
}

try {
  const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
  for (const domain of ['Page', 'Runtime', 'Log', 'Network']) await send(`${domain}.enable`, {}, sessionId);
  const loaded = waitFor('Page.loadEventFired', 30000);
  const started = Date.now();
  await send('Page.navigate', { url }, sessionId);
  await loaded;
  const loadMs = Date.now() - started;
  const { result } = await send('Runtime.evaluate', {
    returnByValue: true,
    expression: `(() => {
      const plots = [...document.querySelectorAll('figure.plot svg')].map((svg) => {
        const r = svg.getBoundingClientRect();
        return { id: svg.closest('figure').id, width: r.width, height: r.height,
                 painted: svg.querySelectorAll('polyline, line, path, rect, text').length };
      });
      const toc = [...document.querySelectorAll('nav#contents a')].map((a) => a.getAttribute('href'));
      const missing = toc.filter((h) => !document.getElementById(h.slice(1)));
      const localLinks = [...document.querySelectorAll('a[href^="#plot-"]')]
        .map((a) => a.getAttribute('href')).filter((h) => !document.getElementById(h.slice(1)));
      // Sort the ranking table by its "measured" column, twice.
      const table = document.querySelector('#ranking table.sortable');
      let up = [], sortedUp = false, sortedDown = false;
      if (table) {
        const column = [...table.tHead.rows[0].cells].findIndex((c) => c.textContent === 'measured');
        const values = () => [...table.tBodies[0].rows].map((r) => parseFloat(r.cells[column].textContent));
        const th = table.tHead.rows[0].cells[column];
        th.click();
        up = values();
        th.click();
        const down = values();
        sortedUp = up.length > 0 && up.every((v, i) => i === 0 || up[i - 1] <= v);
        sortedDown = down.every((v, i) => i === 0 || down[i - 1] >= v);
        th.click();
      }
      const sections = document.querySelectorAll('main section').length;
      const size = { width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight };
      return { plots, toc, missing, localLinks, sortedUp, sortedDown, sections, size, up };
    })()`,
  }, sessionId);
  const v = result.value;
  if (!v) throw new Error(`evaluation failed: ${JSON.stringify(result)}`);
  if (v.plots.length === 0) failures.push('no inline plot found');
  for (const p of v.plots) {
    if (!(p.width > 0 && p.height > 0)) failures.push(`plot ${p.id} rendered at ${p.width}×${p.height}`);
    if (p.painted === 0) failures.push(`plot ${p.id} has nothing drawn`);
  }
  if (v.toc.length === 0 || v.toc.length !== v.sections) failures.push(`contents list ${v.toc.length} entries for ${v.sections} sections`);
  if (v.missing.length) failures.push(`contents links without target: ${v.missing.join(', ')}`);
  if (v.localLinks.length) failures.push(`plot links without target: ${v.localLinks.join(', ')}`);
  if (!v.sortedUp || !v.sortedDown) failures.push(`ranking table did not sort by "measured": ${v.up}`);
  for (const r of requests) {
    if (r !== url && !r.startsWith('data:')) failures.push(`request leaving the file: ${r}`);
  }
  const height = Math.min(v.size.height, 16000);
  const { data } = await send('Page.captureScreenshot', {
    format: 'png', captureBeyondViewport: true,
    clip: { x: 0, y: 0, width: v.size.width, height, scale: 1 },
  }, sessionId);
  writeFileSync(shot, Buffer.from(data, 'base64'));
  // Let late console messages arrive.
  await new Promise((r) => setTimeout(r, 200));
  const summary = `${v.plots.length} plots (smallest ${Math.min(...v.plots.map((p) => p.width)).toFixed(0)}×` +
    `${Math.min(...v.plots.map((p) => p.height)).toFixed(0)} px), ${v.sections} sections, ` +
    `${requests.length} request(s), loaded in ${loadMs} ms; screenshot ${shot} (${v.size.width}×${height})`;
  if (failures.length) {
    console.error(`browser check FAILED for ${url}:\n  - ${failures.join('\n  - ')}\n${summary}`);
    finish(1);
  } else {
    console.log(`browser check passed: ${summary}`);
    finish(0);
  }
} catch (error) {
  console.error(`browser check error: ${error.message}\n${browserLog.slice(-2000)}`);
  finish(1);
}
