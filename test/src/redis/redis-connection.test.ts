import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, parseConfig } from '../../../src/config/load.ts';
import { ConfigError } from '../../../src/config/errors.ts';
import { configuredEndpoint, describeEndpoint, isCluster } from '../../../src/redis/redis-connection.ts';
import { keyLayout } from '../../../src/pipeline/queues.ts';

const defaults = new URL('../../../config/default.yaml', import.meta.url).pathname;

test('REDIS_SENTINELS and REDIS_SENTINEL_MASTER give every connection the sentinels, the master name and both passwords', () => {
  const config = loadConfig({
    REDIS_SENTINELS: 'sentinel-0:26379, sentinel-1:26379,[::1]:26380', REDIS_SENTINEL_MASTER: 'vigil',
    REDIS_PASSWORD: 'p', REDIS_SENTINEL_PASSWORD: 's', REDIS_MIN_REPLICAS_ACK: '1',
  }, defaults);
  assert.deepEqual(config.redis.sentinels, ['sentinel-0:26379', 'sentinel-1:26379', '[::1]:26380']);
  assert.equal(config.redis.min_replicas_ack, 1);
  const endpoint = configuredEndpoint(config, {});
  assert.deepEqual(endpoint.options.sentinels, [{ host: 'sentinel-0', port: 26379 }, { host: 'sentinel-1', port: 26379 }, { host: '::1', port: 26380 }]);
  assert.equal(endpoint.options.name, 'vigil');
  assert.equal(endpoint.options.password, 'p');
  assert.equal(endpoint.options.sentinelPassword, 's');
  assert.equal(endpoint.options.tls, undefined);
  assert.equal(isCluster(endpoint), false);
  assert.ok(!describeEndpoint(endpoint).includes('p@') && describeEndpoint(endpoint).startsWith('sentinel master vigil via sentinel-0:26379'));
});

test('TLS for the servers and, with sentinel_tls, for the sentinels too', () => {
  const config = parseConfig({ redis: { sentinels: ['s:26379'], master_name: 'm', tls: { enabled: true }, sentinel_tls: true } });
  const { options } = configuredEndpoint(config, {});
  assert.deepEqual(options.tls, {});
  assert.equal(options.enableTLSForSentinelMode, true);
  assert.deepEqual(options.sentinelTLS, {});
  const plainSentinels = configuredEndpoint(parseConfig({ redis: { sentinels: ['s:26379'], master_name: 'm', tls: { enabled: true } } }), {}).options;
  assert.equal(plainSentinels.enableTLSForSentinelMode, true, 'TLS to the master');
  assert.equal(plainSentinels.sentinelTLS, undefined, 'plain to the sentinels');
  const plain = configuredEndpoint(parseConfig({ redis: { sentinels: ['s:26379'], master_name: 'm' } }), {}).options;
  assert.equal(plain.enableTLSForSentinelMode, false);
});

test('REDIS_CLUSTER gives a Cluster endpoint with its seed nodes', () => {
  const config = loadConfig({ REDIS_CLUSTER: 'node-0:6379,node-1:6379' }, defaults);
  const endpoint = configuredEndpoint(config, {});
  assert.deepEqual(endpoint.cluster, [{ host: 'node-0', port: 6379 }, { host: 'node-1', port: 6379 }]);
  assert.equal(isCluster(endpoint), true);
});

test('Redis settings that cannot work together are named', () => {
  const problems = (redis: Record<string, unknown>): string[] => {
    try {
      parseConfig({ redis });
      return [];
    } catch (error) {
      return (error as ConfigError).problems;
    }
  };
  assert.match(problems({ sentinels: ['s:26379'] }).join('\n'), /redis\.master_name.*REDIS_SENTINEL_MASTER/);
  assert.match(problems({ url: 'redis://r:6379', sentinels: ['s:26379'], master_name: 'm' }).join('\n'), /redis\.url and redis\.sentinels exclude each other/);
  assert.match(problems({ sentinels: ['s:26379'], master_name: 'm', cluster: ['c:6379'] }).join('\n'), /redis\.sentinels and redis\.cluster exclude each other/);
  assert.match(problems({ cluster: ['no-port', 'h:70000'] }).join('\n'), /redis\.cluster\.0.*host:port/);
  assert.match(problems({ cluster: ['h:70000'] }).join('\n'), /redis\.cluster\.0.*host:port/);
});

test('on a Cluster every key of a queue or of one of vigil\'s scripts shares a hash tag; one server keeps the untagged names', () => {
  const single = keyLayout('vigil');
  assert.deepEqual([single.ingestQueue, single.sinkQueue('loki'), single.seen('x'), single.dlq('loki'), single.dlqWritten('loki', 'b')],
    ['ingest', 'sink-loki', 'vigil:seen:x', 'vigil:dlq:loki', 'vigil:dlq:loki:written:b']);
  const cluster = keyLayout('vigil', true);
  assert.deepEqual([cluster.ingestQueue, cluster.sinkQueue('loki'), cluster.seen('x'), cluster.dlq('loki'), cluster.dlqWritten('loki', 'b')],
    ['{ingest}', '{sink-loki}', 'vigil:{seen}:x', 'vigil:{dlq:loki}', 'vigil:{dlq:loki}:written:b']);
});
