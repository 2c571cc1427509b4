import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ElasticsearchDouble } from '../support/doubles/elasticsearch.ts';
import { checkReadmeRouting, readmeExample, type RoutedDocument } from '../support/readme-routing.ts';
import { sendOneOfEach } from '../support/senders.ts';
import { spawnVigil } from '../support/vigil.ts';

/**
 * The README's example against two Elasticsearch doubles, so it is checked where no real node can
 * start (test/integration/elasticsearch.test.ts runs it against the real node too).
 */
test('the README\'s routing example runs as written: two Elasticsearch instances, one filtered to critical, each with its own queue and metrics', async () => {
  const soc = await ElasticsearchDouble.start();
  const archive = await ElasticsearchDouble.start();
  const vigil = await spawnVigil({ SOC_ES_URL: soc.url, ARCHIVE_ES_URL: archive.url }, readmeExample());
  try {
    const sent = await sendOneOfEach(vigil);
    const docs = (es: ElasticsearchDouble) => async () => es.allDocuments().map((doc) => JSON.parse(doc.source) as RoutedDocument);
    await checkReadmeRouting(vigil, sent, { soc: docs(soc), archive: docs(archive) });
  } finally {
    assert.equal(await vigil.stop(), 0);
    await Promise.all([soc.close(), archive.close()]);
  }
});
