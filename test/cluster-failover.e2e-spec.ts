import request from 'supertest';
import { expectCleanFailover, FailoverLoad, signIn } from './support/failover-load.js';
import { useRedisCluster } from './support/redis-cluster.js';
import { useReplicatedApp } from './support/replicated-app.js';
import { sessionKeyOfCookie } from './support/replicated-core.js';
import { ADAPTERS } from './support/test-app.js';

const cluster = useRedisCluster();

describe.each(ADAPTERS)('Redis Cluster failover on %s', (adapter) => {
  const subject = useReplicatedApp(adapter, () => ({ cluster: { nodes: cluster.nodes } }), {
    module: { waitForReplicas: 1 },
    listen: true,
  });

  it('keeps a signed-in user signed in through the crash of the primary holding the session: 503s only while it lasts, never a 500 or a cookie change', async () => {
    const cookie = await signIn(subject.server, `survivor-${adapter}`);
    const primary = await cluster.primaryFor(sessionKeyOfCookie(cookie));

    const load = new FailoverLoad(await subject.app.getUrl(), cookie);
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      load.markFault();
      await cluster.crash(primary);
      await load.untilRecovered();
    } finally {
      await load.stop();
    }
    try {
      const report = load.report();
      console.log(`cluster failover on ${adapter}: ${JSON.stringify(report)}`);
      expectCleanFailover(report);
      expect(report.statuses['503']).toBeGreaterThan(0);
      expect(report.recoveredAfterFault).toBeDefined();

      // The login was acknowledged by the replica (waitForReplicas: 1): the same cookie still signs in.
      const me = await request(subject.server).get('/private').set('Cookie', cookie).expect(200);
      expect(me.body.userId).toBe(`survivor-${adapter}`);
      // Data writes are not acknowledged: the last ones before the crash may be lost, never more.
      const lost = load.workersWithLostLastWrite(me.body.data);
      console.log(`cluster failover on ${adapter}: workers whose last acknowledged write was lost: ${lost} of 4`);
    } finally {
      // The crashed node comes back as a replica of the promoted one: the cluster is whole for the next test.
      await primary.restart();
      await cluster.waitUntilHealthy();
    }
  });
});
