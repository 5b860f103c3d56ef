import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { baselineJson, createBaseline } from '../../src/review/baseline.js';
import { findFindings } from '../../src/review/findings.js';
import { parseBaseline } from '../../src/review/parse-baseline.js';
import { collectFixture } from './review-fixtures.js';

const listener = { family: 'tcp', port: 22, exposure: 'wildcard', exe: '/usr/sbin/sshd', netns: 'host' };

describe('parseBaseline', () => {
  it('reads back what baseline create writes', async () => {
    const inventory = await collectFixture('drifted-host');
    const baseline = createBaseline(inventory, findFindings(inventory), { snapshot: 3, now: new Date('2026-11-25T12:00:00Z') });
    expect(parseBaseline(baselineJson(baseline), 'b.json')).toEqual(baseline);
  });

  it('fills in optional fields', () => {
    const parsed = parseBaseline(JSON.stringify({ listeners: [{ family: 'TCP6', port: 443, exposure: 'specific' }] }), 'b.json');
    expect(parsed.listeners).toEqual([{ family: 'tcp6', port: 443, exposure: 'specific', exe: null, netns: 'host', user: null, comment: '', expires: null }]);
    expect(parsed.acceptedFindings).toEqual([]);
  });

  const malformed: [string, string, string][] = [
    ['not JSON', '{"listeners": [', 'baseline b.json: not valid JSON ('],
    ['an array', '[]', 'baseline b.json: expected a JSON object with "listeners" and "acceptedFindings"'],
    ['no listeners', '{}', 'baseline b.json: "listeners" must be an array'],
    ['a typo at the top', '{"listeners": [], "acceptedFinding": []}', 'baseline b.json: unknown key "acceptedFinding"'],
    ['a newer format', '{"sockauditBaseline": 2, "listeners": []}', 'baseline b.json: sockauditBaseline: this sockaudit reads version 1, the file says 2'],
    ['an unknown family', JSON.stringify({ listeners: [{ ...listener, family: 'tcpp' }] }), 'baseline b.json: listeners[0].family: unknown family "tcpp"'],
    ['an unpoliced family', JSON.stringify({ listeners: [{ ...listener, family: 'unix' }] }), 'baseline b.json: listeners[0].family: is not policed by check "unix"'],
    ['a bad port', JSON.stringify({ listeners: [{ ...listener, port: 70000 }] }), 'baseline b.json: listeners[0].port: expected a port number 0-65535, "ephemeral" or null, got 70000'],
    ['a missing port', JSON.stringify({ listeners: [{ ...listener, port: null }] }), 'baseline b.json: listeners[0].port: required for tcp'],
    ['a bad exposure', JSON.stringify({ listeners: [{ ...listener, exposure: 'public' }] }), 'baseline b.json: listeners[0].exposure: expected one of loopback, link-local, specific, wildcard, got "public"'],
    ['a typo in an entry', JSON.stringify({ listeners: [listener, { ...listener, expiry: '2026-01-01' }] }), 'baseline b.json: listeners[1]: unknown key "expiry"'],
    ['a bad date', JSON.stringify({ listeners: [{ ...listener, expires: 'next week' }] }), 'baseline b.json: listeners[0].expires: expected a date such as 2026-12-31'],
    ['a wrong type', JSON.stringify({ listeners: [{ ...listener, exe: 42 }] }), 'baseline b.json: listeners[0].exe: expected a string, got 42'],
    ['an unknown finding kind', JSON.stringify({ listeners: [], acceptedFindings: [{ kind: 'sniffer', exe: null }] }), 'baseline b.json: acceptedFindings[0].kind: expected one of packet-socket'],
    ['a finding without exe', JSON.stringify({ listeners: [], acceptedFindings: [{ kind: 'raw-socket' }] }), 'baseline b.json: acceptedFindings[0].exe: required'],
  ];
  it.each(malformed)('%s: one InputError line naming the file and the problem', (_, text, message) => {
    let error: unknown;
    try {
      parseBaseline(text, 'b.json');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message.startsWith(message)).toBe(true);
    expect((error as Error).message).not.toContain('\n');
  });
});
