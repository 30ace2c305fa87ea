// The demo's walk through Portico's main job, step by step (see scripts/demo.js).
const { randomBytes, randomUUID } = require('node:crypto');
const { setTimeout: sleep } = require('node:timers/promises');
const { AdminEvents } = require('./admin-events');
const { fromDist } = require('./dist');
const { PlatformApi } = require('./platform-api');
const { demoSettings } = require('./settings');
const { Walkthrough } = require('./walkthrough');

const { generateClientSecret, sha256SecretHash } = fromDist('libs/models/src');

const POLL_MS = 10;

/** Polls `probe` until it returns something truthy; resolves with it. */
async function until(what, timeoutMs, probe) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms: ${what}`);
    await sleep(POLL_MS);
  }
}

const since = (start) => `${Math.round(performance.now() - start)} ms`;

/** A client the demo registers through the Admin Service's events. */
function demoClient(label, scopes, runId) {
  const secret = generateClientSecret();
  return {
    label,
    id: randomUUID(),
    secret,
    hash: sha256SecretHash(secret),
    scopes,
    code: `portico-demo-${runId}-${label}`,
    version: 0,
    revoked: false,
  };
}

class Demo {
  constructor(settings, out) {
    this.settings = settings;
    this.runId = randomBytes(3).toString('hex');
    this.api = new PlatformApi(settings);
    this.events = new AdminEvents(settings, this.runId);
    this.walk = new Walkthrough(out);
    /** Clients whose client.created was published (cleaned up at the end). */
    this.clients = [];
  }

  async publish(client, type, payload = {}) {
    client.version += 1;
    if (type === 'client.revoked') client.revoked = true;
    return this.events.publish(type, { client_id: client.id, version: client.version, ...payload });
  }

  async registryShows(client, status) {
    const record = await this.api.registryClient(client.id);
    return record && record.version >= client.version && record.status === status && record;
  }

  /** The steps of the main job, in order; each one's method throws when it fails. */
  async mainJob() {
    const steps = [
      ['the platform answers', this.checkPlatform],
      ['Admin Service publishes client.created', this.createClients],
      ['the clients appear in the registry', this.awaitRegistration],
      ['auth issues a token (client_credentials)', this.issueToken],
      ['the token verifies against the JWKS', this.verifyToken],
      ['introspection says active', this.introspectActive],
      ['Admin Service publishes client.suspended', this.suspend],
      ['token requests are refused', this.awaitRefusal],
      ['Admin Service publishes client.revoked', this.revoke],
      ['the earlier token introspects as inactive', this.introspectInactive],
    ];
    for (const [title, action] of steps)
      await this.walk.step(title, (note) => action.call(this, note));
  }

  async checkPlatform(note) {
    const meta = await this.api.discover();
    note(`auth: issuer ${meta.issuer}, signs ${meta.alg}; endpoints from its metadata`);
    if (meta.rebased)
      note(`(the issuer's host is not this one: endpoints called on ${this.settings.authUrl})`);
    if (!(await this.api.registryReady())) throw new Error('the registry is not ready');
    // An unknown id answers 404 with a valid admin token, 401 without one.
    await this.api.registryClient(randomUUID());
    note(`registry: ready at ${this.settings.registryUrl}, admin token accepted`);
    await this.events.ping();
    note(`Redis: ${this.events.key} reachable`);
  }

  async createClients(note) {
    this.client = demoClient('client', ['demo:read'], this.runId);
    this.introspector = demoClient('introspector', ['introspect'], this.runId);
    for (const c of [this.client, this.introspector]) {
      this.clients.push(c);
      const { entryId } = await this.publish(c, 'client.created', {
        client_code: c.code,
        client_secret_hash: c.hash,
        scopes: c.scopes,
        metadata: { demo: this.runId },
      });
      note(`${c.label} ${c.id} (scopes ${c.scopes.join(' ')}): entry ${entryId}`);
    }
    note('secrets generated here (256 bits); the events carry only their sha256$ hashes');
  }

  async awaitRegistration(note) {
    const hint = `is event-consumer running against ${this.events.key}?`;
    for (const c of [this.client, this.introspector]) {
      const record = await until(
        `${c.label} in the registry (${hint})`,
        this.settings.timeoutMs,
        () => this.registryShows(c, 'ACTIVE'),
      );
      note(
        `${c.id}: ${record.status}, version ${record.version}, scopes ${record.scopes.join(' ')}`,
      );
    }
  }

  async issueToken(note) {
    const { status, body } = await this.api.token(this.client);
    if (status !== 200)
      throw new Error(`token endpoint answered ${status}: ${JSON.stringify(body)}`);
    note(`${body.token_type}, expires in ${body.expires_in} s, scope "${body.scope}"`);
    this.token = body.access_token;
  }

  async verifyToken(note) {
    const { payload, protectedHeader } = await this.api.verify(this.token);
    if (payload.client_id !== this.client.id)
      throw new Error(`token of ${payload.client_id}, not ${this.client.id}`);
    note(`${protectedHeader.typ} ${protectedHeader.alg}, kid ${protectedHeader.kid}`);
    note(`sub ${payload.sub}, aud ${payload.aud}, jti ${payload.jti}`);
    note(`expires ${new Date(payload.exp * 1000).toISOString()}`);
  }

  async introspectActive(note) {
    const { status, body } = await this.api.introspect(this.introspector, this.token);
    if (status !== 200 || body.active !== true || body.client_id !== this.client.id)
      throw new Error(`introspection answered ${status}: ${JSON.stringify(body)}`);
    note(`asked by the introspector: active, client_id ${body.client_id}, scope "${body.scope}"`);
  }

  async suspend(note) {
    this.suspendedAt = performance.now();
    const { entryId } = await this.publish(this.client, 'client.suspended');
    note(`${this.client.id}: entry ${entryId}`);
  }

  async awaitRefusal(note) {
    let issued = 0;
    const what = 'a refused token request after client.suspended';
    const answer = await until(what, this.settings.timeoutMs, async () => {
      const res = await this.api.token(this.client);
      if (res.status === 200) return void (issued += 1);
      if (res.status === 401 && res.body.error === 'invalid_client') return res;
      throw new Error(`token endpoint answered ${res.status}: ${JSON.stringify(res.body)}`);
    });
    const delay = since(this.suspendedAt);
    note(`${answer.status} ${answer.body.error} ${delay} after client.suspended was published`);
    note(`(${issued} token(s) issued meanwhile)`);
  }

  async revoke(note) {
    const { entryId } = await this.publish(this.client, 'client.revoked');
    note(`${this.client.id}: entry ${entryId}`);
  }

  async introspectInactive(note) {
    const what = 'the registry to show the client revoked';
    const record = await until(what, this.settings.timeoutMs, () =>
      this.registryShows(this.client, 'REVOKED'),
    );
    note(`registry: ${record.status}, tokens issued before ${record.revoked_before} are void`);
    const { status, body } = await this.api.introspect(this.introspector, this.token);
    const text = JSON.stringify(body);
    if (status !== 200 || text !== '{"active":false}')
      throw new Error(`introspection answered ${status}: ${text}`);
    note(`introspection: ${text}`);
  }

  async cleanUp(note) {
    const wait = this.settings.timeoutMs;
    for (const c of this.clients) {
      if (c.revoked) continue;
      await this.publish(c, 'client.revoked');
      note(`${c.label} ${c.id}: client.revoked published`);
    }
    for (const c of this.clients) {
      await until(`the registry to show ${c.label} ${c.id} revoked`, wait, () =>
        this.registryShows(c, 'REVOKED'),
      );
      note(`${c.label} ${c.id}: revoked in the registry (which keeps revoked clients)`);
    }
    // The consumer acknowledges an entry just after applying it; entries still unacknowledged
    // after the wait are kept (work to do, not litter), and the note says so.
    const what = 'every consumer group to acknowledge the demo entries';
    await until(what, wait, async () => (await this.events.unsettled()).length === 0).then(
      () => undefined,
      () => undefined,
    );
    const written = this.events.entries.length;
    const removed = await this.events.removeSettled();
    note(`${removed} of ${written} admin stream entries removed`);
    if (removed < written)
      note(`${written - removed} kept: not yet acknowledged by every consumer group`);
  }
}

/** Runs the demo with settings from `env`, printing through `out`; resolves with the exit code. */
async function runDemo(env, out) {
  let settings;
  try {
    settings = demoSettings(env);
  } catch (error) {
    out(`demo: ${error.message}`);
    return 1;
  }
  const demo = new Demo(settings, out);
  out(`Portico demo ${demo.runId}: auth ${settings.authUrl}, registry ${settings.registryUrl}`);
  out('');
  let failure;
  try {
    await demo.mainJob();
  } catch (error) {
    failure = error;
  }
  try {
    await demo.walk.step('clean up', (note) =>
      demo.clients.length === 0 ? note('nothing to clean up') : demo.cleanUp(note),
    );
  } catch (error) {
    failure ??= error;
  }
  await demo.events.close();
  out('');
  out(failure ? `demo FAILED at ${failure.message}` : `demo passed: ${demo.walk.count} steps`);
  return failure ? 1 : 0;
}

module.exports = { runDemo };
