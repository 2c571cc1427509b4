import { test } from 'node:test';
import assert from 'node:assert/strict';
import { templatePatterns } from '../../src/sinks/elasticsearch/data-stream.ts';
import { listFiles, readText, templateFields } from './known.ts';

interface Reference { name: string; type: string; id: string }
interface SavedObject { type: string; id: string; attributes: Record<string, unknown>; references: Reference[] }

const files = listFiles('config/kibana', '.ndjson');
const objects: SavedObject[] = files.flatMap((file) =>
  readText(file).split('\n').filter((line) => line.trim() !== '').map((line, index) => {
    try {
      return JSON.parse(line) as SavedObject;
    } catch (error) {
      throw new Error(`${file}:${index + 1}: ${(error as Error).message}`);
    }
  }));
const byKey = new Map(objects.map((object) => [`${object.type}/${object.id}`, object]));
const ofType = (type: string) => objects.filter((object) => object.type === type);

/** Field names in a KQL query: `field : value`, `field >= 5`. */
const kqlFields = (query: string) => [...query.matchAll(/([A-Za-z@_][\w.@]*)\s*(?::|>=|<=|>|<)/g)].map((match) => match[1]);

/** Every ECS field a saved object reads: lens columns, search columns and sort, KQL queries, the time field. */
function fieldsUsed(object: SavedObject): string[] {
  const attributes = object.attributes as Record<string, any>;
  const fields: string[] = [];
  if (object.type === 'index-pattern') fields.push(attributes.timeFieldName);
  if (object.type === 'search') {
    fields.push(...attributes.columns, ...attributes.sort.map((pair: string[]) => pair[0]));
    fields.push(...kqlFields(JSON.parse(attributes.kibanaSavedObjectMeta.searchSourceJSON).query.query));
  }
  if (object.type === 'lens') {
    for (const layer of Object.values(attributes.state.datasourceStates.formBased.layers) as Array<{ columns: Record<string, { sourceField: string }> }>) {
      fields.push(...Object.values(layer.columns).map((column) => column.sourceField).filter((field) => field !== '___records___'));
    }
    fields.push(...kqlFields(attributes.state.query.query));
  }
  return fields;
}

test('the saved objects are one data view, saved searches, Lens visualisations and a dashboard, with unique ids', () => {
  assert.equal(byKey.size, objects.length, 'duplicate type/id');
  assert.equal(ofType('index-pattern').length, 1);
  assert.ok(ofType('search').length >= 3, 'a few saved searches');
  assert.ok(ofType('lens').length >= 4);
  assert.equal(ofType('dashboard').length, 1);
});

test('the data view covers exactly the data streams vigil\'s index template covers: one per dataset', () => {
  const [view] = ofType('index-pattern');
  assert.deepEqual((view.attributes.title as string).split(',').sort(), templatePatterns());
  assert.equal(view.attributes.timeFieldName, '@timestamp');
});

test('the compose writer role may write every data stream vigil writes', () => {
  const role = /"names": (\[[^\]]*\])/.exec(readText('config/compose/elasticsearch-setup.sh'));
  assert.ok(role, 'the role names its indices');
  assert.deepEqual(JSON.parse(role[1]!).sort(), templatePatterns());
});

test('a saved search shows everything about one workload: by vigil.workload.key, every source', () => {
  const search = ofType('search').find((object) => object.id === 'vigil-workload');
  assert.ok(search, 'no workload search');
  const query = JSON.parse((search.attributes as any).kibanaSavedObjectMeta.searchSourceJSON).query.query as string;
  assert.deepEqual(kqlFields(query), ['vigil.workload.key']);
  assert.ok(templateFields().has('vigil.workload.key'), 'the template maps the key');
  assert.equal((search.attributes.columns as string[])[0], 'vigil.workload.key');
});

test('every reference resolves to an object in the same import', () => {
  let checked = 0;
  for (const object of objects) {
    for (const reference of object.references) {
      assert.ok(byKey.has(`${reference.type}/${reference.id}`), `${object.type}/${object.id}: reference ${reference.name} → ${reference.type}/${reference.id} is not in ${files.join(', ')}`);
      checked++;
    }
  }
  assert.ok(checked >= objects.length, `only ${checked} references`);
});

test('every named reference an object uses is one it declares', () => {
  const declared = (object: SavedObject, name: string) => object.references.some((reference) => reference.name === name);
  for (const object of ofType('search')) {
    const source = JSON.parse((object.attributes as any).kibanaSavedObjectMeta.searchSourceJSON);
    assert.ok(declared(object, source.indexRefName), `${object.id}: indexRefName ${source.indexRefName} undeclared`);
  }
  for (const object of ofType('lens')) {
    for (const layer of Object.keys((object.attributes as any).state.datasourceStates.formBased.layers)) {
      assert.ok(declared(object, `indexpattern-datasource-layer-${layer}`), `${object.id}: layer ${layer} has no data view reference`);
    }
  }
  for (const dashboard of ofType('dashboard')) {
    const panels = JSON.parse(dashboard.attributes.panelsJSON as string) as Array<{ panelIndex: string; panelRefName: string; type: string }>;
    assert.ok(panels.length >= 5);
    assert.equal(new Set(panels.map((panel) => panel.panelIndex)).size, panels.length, 'duplicate panelIndex');
    for (const panel of panels) {
      const reference = dashboard.references.find((ref) => ref.name === `${panel.panelIndex}:${panel.panelRefName}`);
      assert.ok(reference, `${dashboard.id}: panel ${panel.panelIndex} has no reference`);
      assert.equal(reference.type, panel.type);
    }
  }
});

test('every field the objects use is mapped by vigil\'s index template', () => {
  const mapped = templateFields();
  let checked = 0;
  for (const object of objects) {
    for (const field of fieldsUsed(object)) {
      assert.ok(mapped.has(field), `${object.type}/${object.id} uses ${field}, which the index template does not map`);
      checked++;
    }
  }
  assert.ok(checked >= 30, `only ${checked} fields checked`);
});

test('compose imports this folder through Kibana\'s saved-objects API, overwriting', () => {
  const script = readText('config/compose/kibana-import.sh');
  assert.match(script, /\/api\/saved_objects\/_import\?overwrite=true/);
  assert.match(script, /kbn-xsrf/);
  assert.match(script, /for file in \/kibana\/\*\.ndjson/);
  assert.match(readText('docker-compose.yml'), /- \.\/config\/kibana:\/kibana:ro/);
});
