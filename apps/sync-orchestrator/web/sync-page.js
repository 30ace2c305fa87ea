// The /sync/ page: runs a Discogs sync through the browser build of libs/sync-client.
import { io } from './vendor/socket.io.esm.min.js';
import { SyncApi, SyncApiError, SyncClient } from './lib/index.js';

const $ = (id) => document.getElementById(id);
const config = await (await fetch('./config.json', { cache: 'no-store' })).json();

let client;
let watched;
const early = new Map(); // progress of sessions seen before the start call answered

// An access token may arrive in the fragment (#access_token=…), never in the query string.
const fragment = new URLSearchParams(location.hash.slice(1));
if (fragment.get('access_token')) {
  $('access-token').value = fragment.get('access_token');
  history.replaceState(null, '', location.pathname);
}

function note(text, kind = 'info') {
  const item = document.createElement('li');
  item.className = kind;
  item.textContent = `${new Date().toLocaleTimeString()} — ${text}`;
  $('messages').prepend(item);
}

function setStatus(status, text) {
  $('status').dataset.status = status;
  $('status').textContent = text;
  const running = ['initiated', 'in_progress', 'paused'].includes(status);
  $('cancel').disabled = !running;
  $('start').disabled = running;
}

function remaining(iso) {
  const ms = Date.parse(iso) - Date.now();
  if (!(ms > 0)) return 'finishing';
  const s = Math.round(ms / 1000);
  const text = s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
  return `about ${text} left (≈ ${new Date(iso).toLocaleTimeString()})`;
}

function render(progress) {
  const percent = Math.max(0, Math.min(100, progress.percent));
  $('progress-fill').style.width = `${percent}%`;
  $('progress-bar').setAttribute('aria-valuenow', String(percent));
  $('progress-bar').classList.toggle('done', progress.status === 'completed');
  $('progress-bar').classList.toggle('failed', progress.status === 'failed');
  $('percent').textContent = `${percent} %`;
  $('items').textContent =
    progress.totalItems === null
      ? `${progress.processedItems} items`
      : `${progress.processedItems} of ${progress.totalItems} items`;
  $('eta').textContent =
    progress.status === 'in_progress' && progress.estimatedCompletionAt
      ? remaining(progress.estimatedCompletionAt)
      : '';
  $('action').textContent = progress.currentAction;
  setStatus(progress.status, progress.status.replace('_', ' '));
}

function connect(accessToken, discogsToken) {
  client?.close();
  client = new SyncClient({
    serverUrl: location.origin,
    accessToken,
    discogsToken,
    io,
    unsafeDiscogsBaseUrl: config.demoDiscogsBaseUrl ?? undefined,
  });
  client.on('connect', () => {
    $('connection').textContent = 'connected';
    $('connection').className = 'badge online';
  });
  client.on('disconnect', () => {
    $('connection').textContent = 'reconnecting…';
    $('connection').className = 'badge offline';
  });
  client.on('progress', (progress) => {
    if (watched === undefined) early.set(progress.sessionId, progress);
    else if (progress.sessionId === watched) render(progress);
  });
  client.on('complete', (done) => {
    if (done.sessionId !== watched) return;
    note(`Synced ${done.processedItems} items in ${Math.round(done.durationMs / 1000)} s`);
  });
  client.on('error', (error) => {
    if (error.sessionId && error.sessionId !== watched) return;
    note(error.message, 'error');
    if (error.fatal) setStatus('failed', 'failed');
  });
  return client.connect();
}

async function start(event) {
  event.preventDefault();
  const pageLimit = Number($('page-limit').value) || undefined;
  watched = undefined;
  early.clear();
  try {
    await connect($('access-token').value.trim(), $('discogs-token').value.trim());
    const request = {
      syncType: $('sync-type').value,
      fullSync: $('full-sync').checked,
      ...(pageLimit ? { pageLimit } : {}),
    };
    let sessionId;
    try {
      ({ sessionId } = await client.api.startSync(request));
      note(`Started ${request.syncType} sync ${sessionId}`);
    } catch (error) {
      const running = error instanceof SyncApiError && error.details[0]?.sessionId;
      if (!running) throw error;
      sessionId = running;
      note(`A ${request.syncType} sync is already running: following it`);
    }
    watched = sessionId;
    setStatus('in_progress', 'in progress');
    if (early.has(sessionId)) render(early.get(sessionId));
  } catch (error) {
    note(error.message ?? String(error), 'error');
    setStatus('failed', 'could not start');
  }
}

async function cancel() {
  if (!watched || !client) return;
  try {
    const status = await client.api.cancel(watched);
    setStatus(status.status, status.status);
    note('Sync cancelled');
  } catch (error) {
    note(error.message, 'error');
  }
}

async function saveToken() {
  try {
    const accessToken = $('access-token').value.trim();
    const api = new SyncApi(
      location.origin,
      async () => accessToken,
      (url, init) => fetch(url, init),
    );
    const answer = await api.putDiscogsToken($('discogs-token').value.trim());
    note(
      answer.looksValid
        ? 'Discogs token saved'
        : 'Token saved, but it does not look like a Discogs token',
    );
  } catch (error) {
    note(error.message, 'error');
  }
}

$('sync-form').addEventListener('submit', start);
$('cancel').addEventListener('click', cancel);
$('save-token').addEventListener('click', saveToken);
if (config.demoDiscogsBaseUrl)
  note(`Demo mode: Discogs requests go to ${config.demoDiscogsBaseUrl}`);
