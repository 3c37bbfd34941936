// Event correlation as client-go's recorder does it: repeats counted, similar events combined, floods throttled.
import { describe, expect, it } from 'vitest';
import { jsonCalls, settle, usePausedCluster, type Kube, type Signup } from './helpers';

let s: Signup;
let k: Kube;
usePausedCluster((signedUp, kube) => {
  s = signedUp;
  k = kube;
});
const { get, post } = jsonCalls(() => k);

const rc = (replicas: number) => ({
  apiVersion: 'v1',
  kind: 'ReplicationController',
  metadata: { name: 'big' },
  spec: { replicas, selector: { app: 'big' }, template: { metadata: { labels: { app: 'big' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
});

describe('event correlation', () => {
  it('combines the 10th and later distinct messages into one counted event', async () => {
    await post('/api/v1/namespaces/default/replicationcontrollers', rc(20));
    await settle(s.id);
    const events = (await get('/api/v1/namespaces/default/events')).items.filter(
      (e: any) => e.involvedObject.kind === 'ReplicationController' && e.reason === 'SuccessfulCreate',
    );
    const single = events.filter((e: any) => e.message.startsWith('Created pod: '));
    const combined = events.filter((e: any) => e.message.startsWith('(combined from similar events): Created pod: '));
    expect(single).toHaveLength(9);
    expect(single.every((e: any) => e.count === 1)).toBe(true);
    expect(combined).toHaveLength(1);
    expect(combined[0].count).toBe(11);
    expect(combined[0].source).toEqual({ component: 'replication-controller' });
  });

  it('stops recording after a burst of 25 events from one source about one object', async () => {
    await post('/api/v1/namespaces/default/replicationcontrollers', rc(40));
    await settle(s.id);
    const total = (await get('/api/v1/namespaces/default/events')).items
      .filter((e: any) => e.involvedObject.kind === 'ReplicationController')
      .reduce((n: number, e: any) => n + e.count, 0);
    expect((await get('/api/v1/namespaces/default/replicationcontrollers/big')).status.replicas).toBe(40);
    expect(total).toBe(25);
  });
});
