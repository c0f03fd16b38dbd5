#!/usr/bin/env node
// Validates every GraphQL document the project sends against the vendored Joystream schemas.
//
//   node validate.mjs <repo-root>     check every *.graphql under <repo-root>/services
//   node validate.mjs --self-test     prove the checker rejects a misspelled field
//
// *.orion.graphql files are checked against schemas/orion.json (Orion v2 introspection
// result); every other *.graphql file against schemas/query-node.graphql (Hydra SDL).
// Each file is one document: its operations and fragments are validated together with the
// standard rules, and every operation must be named.
// Exit status: 0 all good; 1 validation failure or no documents found; 2 usage/setup error.

import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const SCHEMA_DIR = join(HERE, 'schemas');
const QN_SCHEMA_FILE = join(SCHEMA_DIR, 'query-node.graphql');
const ORION_SCHEMA_FILE = join(SCHEMA_DIR, 'orion.json');

function die(message, code = 2) {
  console.error(`error: ${message}`);
  process.exit(code);
}

let graphql;
try {
  graphql = await import('graphql');
} catch (err) {
  if (err && (err.code === 'ERR_MODULE_NOT_FOUND' || err.code === 'MODULE_NOT_FOUND')) {
    die(`the npm package 'graphql' is not installed in ${join(HERE, 'node_modules')}; ` +
        `run \`npm ci --prefix tests/graphql\` from the repository root`);
  }
  throw err;
}
const { buildSchema, buildClientSchema, parse, validate, GraphQLError, Kind, getLocation } = graphql;

// ---------------------------------------------------------------- schemas (built lazily)

const schemaCache = new Map();

function loadSchema(kind) {
  if (schemaCache.has(kind)) return schemaCache.get(kind);
  let schema;
  if (kind === 'orion') {
    const json = JSON.parse(readFileSync(ORION_SCHEMA_FILE, 'utf8'));
    // The file holds {"__schema": ...}; accept the {"data": {"__schema": ...}} wrapping too.
    const introspection = json.__schema ? json : json.data;
    if (!introspection || !introspection.__schema) {
      die(`${ORION_SCHEMA_FILE} is not an introspection result (no __schema)`);
    }
    schema = buildClientSchema(introspection);
  } else {
    schema = buildSchema(readFileSync(QN_SCHEMA_FILE, 'utf8'));
  }
  schemaCache.set(kind, schema);
  return schema;
}

function schemaKindFor(fileName) {
  return fileName.endsWith('.orion.graphql') ? 'orion' : 'query-node';
}

// ---------------------------------------------------------------- checking one document

function formatError(err) {
  const where = (err.locations && err.locations.length)
    ? err.locations.map((l) => `${l.line}:${l.column}`).join(', ')
    : '?:?';
  return `${where}: ${err.message}`;
}

// Returns { errors: string[], operations: number }.
function checkDocument(schema, text) {
  let doc;
  try {
    doc = parse(text);
  } catch (err) {
    if (err instanceof GraphQLError) return { errors: [formatError(err)], operations: 0 };
    throw err;
  }
  const errors = validate(schema, doc).map(formatError);
  let operations = 0;
  for (const def of doc.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    operations += 1;
    if (!def.name) {
      const pos = getLocation(doc.loc.source, def.loc.start);
      errors.push(`${pos.line}:${pos.column}: anonymous ${def.operation}: ` +
                  'every operation must be named');
    }
  }
  return { errors, operations };
}

// ---------------------------------------------------------------- self-test

function selfTest() {
  const qn = loadSchema('query-node');
  const cases = [
    { name: 'misspelled field is rejected', schema: qn, expectOk: false, mustMention: 'titel',
      text: 'query Bad { videos(limit: 1) { titel } }' },
    { name: 'correct query is accepted', schema: qn, expectOk: true,
      text: 'query Good { videos(limit: 1) { id title channel { id } } }' },
    { name: 'anonymous operation is rejected', schema: qn, expectOk: false, mustMention: 'named',
      text: '{ videos(limit: 1) { id } }' },
    { name: 'unknown argument is rejected', schema: qn, expectOk: false, mustMention: 'frist',
      text: 'query Bad2 { videosConnection(frist: 1) { totalCount } }' },
    { name: 'orion schema loads and accepts a correct query', schema: loadSchema('orion'),
      expectOk: true, text: 'query OrionGood { videos(limit: 1) { id title } }' },
  ];
  let failed = 0;
  for (const c of cases) {
    const { errors } = checkDocument(c.schema, c.text);
    let pass = c.expectOk ? errors.length === 0 : errors.length > 0;
    if (pass && c.mustMention) pass = errors.some((e) => e.includes(c.mustMention));
    console.log(`${pass ? 'ok  ' : 'FAIL'} self-test: ${c.name}`);
    if (!pass) {
      failed += 1;
      console.log(`      document: ${c.text}`);
      if (errors.length === 0) console.log('      (no errors reported)');
      for (const e of errors) console.log(`      ${e}`);
    }
  }
  if (failed) {
    console.log(`self-test FAILED: ${failed} of ${cases.length} cases`);
    return 1;
  }
  console.log(`self-test passed: ${cases.length} cases`);
  return 0;
}

// ---------------------------------------------------------------- repository walk

function findGraphqlFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const ent of readdirSync(d, { withFileTypes: true })) {
      if (ent.isDirectory()) {
        if (ent.name === 'node_modules' || ent.name === '.git') continue;
        walk(join(d, ent.name));
      } else if (ent.isFile() && ent.name.endsWith('.graphql')) {
        out.push(join(d, ent.name));
      }
    }
  };
  walk(dir);
  return out.sort();
}

function validateRepo(root) {
  const servicesDir = join(root, 'services');
  if (!existsSync(servicesDir) || !statSync(servicesDir).isDirectory()) {
    console.log(`FAIL no GraphQL documents checked: ${servicesDir} does not exist`);
    return 1;
  }
  const files = findGraphqlFiles(servicesDir);
  if (files.length === 0) {
    console.log(`FAIL no *.graphql files found under ${servicesDir}; ` +
                'nothing was validated (expected at least one document)');
    return 1;
  }
  let failed = 0;
  for (const file of files) {
    const rel = relative(root, file).split(sep).join('/');
    const kind = schemaKindFor(file);
    const { errors, operations } =
        checkDocument(loadSchema(kind), readFileSync(file, 'utf8'));
    const ops = `${operations} operation${operations === 1 ? '' : 's'}`;
    if (errors.length === 0) {
      console.log(`ok  ${rel} (${ops})`);
    } else {
      failed += 1;
      console.log(`FAIL ${rel} [${kind} schema] ${errors.length} error${errors.length === 1 ? '' : 's'}:`);
      for (const e of errors) console.log(`  ${rel}:${e}`);
    }
  }
  console.log(failed
    ? `${failed} of ${files.length} GraphQL files FAILED validation`
    : `all ${files.length} GraphQL files valid`);
  return failed ? 1 : 0;
}

// ---------------------------------------------------------------- main

const args = process.argv.slice(2);
if (args.length !== 1 || args[0] === '-h' || args[0] === '--help') {
  die('usage: node validate.mjs <repo-root> | node validate.mjs --self-test');
}
process.exitCode = args[0] === '--self-test' ? selfTest() : validateRepo(args[0]);
