// The per-cluster clock: pause, advance, resume, and the time objects are stamped with.
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { ORIGIN, client, signup } from './helpers';

async function setup() {
  const s = await signup();
  const auth = { authorization: `Bearer ${s.token}` };
  const clock = (body?: unknown) =>
    SELF.fetch(`${ORIGIN}/v1/clusters/${s.id}/clock`, body === undefined ? { headers: auth } : { method: 'POST', headers: auth, body: JSON.stringify(body) });
  return { s, clock, k: client(s) };
}

describe('cluster clock', () => {
  it('pauses, advances and resumes; objects carry cluster time', async () => {
    const { clock, k } = await setup();
    const running = await (await clock()).json<any>();
    expect(running.paused).toBe(false);
    const paused = await (await clock({ action: 'pause' })).json<any>();
    expect(paused.paused).toBe(true);
    expect((await (await clock()).json<any>()).now).toBe(paused.now);
    const later = await (await clock({ action: 'advance', seconds: 3600 })).json<any>();
    expect(Date.parse(later.now) - Date.parse(paused.now)).toBe(3600_000);
    const cm = await (await k('/api/v1/namespaces/default/configmaps', { method: 'POST', json: { metadata: { name: 'c' } } })).json<any>();
    expect(Date.parse(cm.metadata.creationTimestamp)).toBe(Math.floor(Date.parse(later.now) / 1000) * 1000);
    const resumed = await (await clock({ action: 'resume' })).json<any>();
    expect(resumed.paused).toBe(false);
    expect(Date.parse(resumed.now)).toBeGreaterThanOrEqual(Date.parse(later.now));
  });

  it('refuses bad requests with a Status and keeps the time', async () => {
    const { s, clock } = await setup();
    await clock({ action: 'pause' });
    const before = (await (await clock()).json<any>()).now;
    for (const body of [{ action: 'jump' }, { action: 'advance', seconds: -5 }, { action: 'advance', seconds: 'x' }, { action: 'advance', seconds: 1e12 }]) {
      const r = await clock(body);
      expect(r.status).toBe(400);
      expect(await r.json()).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
    }
    const garbage = await SELF.fetch(`${ORIGIN}/v1/clusters/${s.id}/clock`, { method: 'POST', headers: { authorization: `Bearer ${s.token}` }, body: '{' });
    expect(garbage.status).toBe(400);
    expect((await (await clock()).json<any>()).now).toBe(before);
    expect((await SELF.fetch(`${ORIGIN}/v1/clusters/${s.id}/clock`)).status).toBe(401);
    expect((await SELF.fetch(`${ORIGIN}/v1/clusters/${s.id}/nope`, { headers: { authorization: `Bearer ${s.token}` } })).status).toBe(404);
  });
});
