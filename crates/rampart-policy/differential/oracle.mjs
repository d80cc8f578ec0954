// Reads rampart-policy cases as JSON lines on stdin, runs each through the independent
// oracle @cloud-copilot/iam-simulate (AGPL; used only as a separate process), and prints
// one JSON line per case: {"name", "decision", "error", "ignoredContextKeys"}.
import { createInterface } from 'node:readline'
import { runSimulation, anonymousPrincipal } from '@cloud-copilot/iam-simulate'

const named = (prefix, docs) => (docs || []).map((policy, i) => ({ name: `${prefix}${i}`, policy }))

const orgLevels = (prefix, levels) =>
  (levels || []).map((docs, i) => ({ orgIdentifier: `${prefix}-level-${i}`, policies: named(`${prefix}${i}-`, docs) }))

function toSimulation(c) {
  const principal = c.principal === 'anonymous' ? anonymousPrincipal : c.principal
  return {
    request: {
      principal,
      action: c.action,
      resource: { resource: c.resource, accountId: c.resourceAccount },
      contextVariables: c.context || {}
    },
    identityPolicies: named('identity', c.identityPolicies),
    permissionBoundaryPolicies: c.permissionBoundary ? named('boundary', [c.permissionBoundary]) : undefined,
    sessionPolicy: c.sessionPolicy || undefined,
    resourcePolicy: c.resourcePolicy || undefined,
    serviceControlPolicies: orgLevels('scp', c.scps),
    resourceControlPolicies: orgLevels('rcp', c.rcps)
  }
}

async function decide(c) {
  try {
    const r = await runSimulation(toSimulation(c), { simulationMode: 'Strict' })
    if (r.resultType === 'error') {
      return { name: c.name, decision: null, error: r.errors.message || JSON.stringify(r.errors) }
    }
    const ignored = r.resultType === 'single' ? r.result.ignoredContextKeys || [] : []
    return { name: c.name, decision: r.overallResult, ignoredContextKeys: ignored }
  } catch (e) {
    return { name: c.name, decision: null, error: String(e && e.message ? e.message : e) }
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })
for await (const line of lines) {
  if (!line.trim()) continue
  process.stdout.write(JSON.stringify(await decide(JSON.parse(line))) + '\n')
}
