import fs from 'node:fs';
import { errnoCode, InputError } from '../errors.js';
import { EXPOSURE_ORDER } from '../inventory/exposure.js';
import { SOCKET_FAMILIES, type Exposure } from '../model/socket-record.js';
import type { AcceptedFinding, AllowedListener, Baseline } from './baseline.js';
import { POLICED_FAMILIES } from './baseline.js';
import { FINDING_KINDS, type FindingKind } from './finding.js';

type Json = Record<string, unknown>;

const LISTENER_KEYS = new Set(['family', 'port', 'exposure', 'exe', 'netns', 'container', 'user', 'comment', 'expires']);
const FINDING_KEYS = new Set(['kind', 'exe', 'netns', 'port', 'exposure', 'comment', 'expires']);
const TOP_KEYS = new Set(['sockauditBaseline', 'createdAt', 'host', 'snapshot', 'listeners', 'acceptedFindings']);

/**
 * Reads a baseline file's text, strictly: an unknown key is a typo until proven otherwise
 * (`expiry` for `expires` would otherwise silently allow a listener forever). Any problem is
 * an InputError of one line naming the file and where in it.
 *
 * @example parseBaseline('{"listeners": [{"family": "tcp", "port": 22, "exposure": "wildcard",
 *            "exe": "/usr/sbin/sshd", "netns": "host"}]}', 'ops/web.json')
 *   -> { sockauditBaseline: 1, listeners: [{ family: 'tcp', port: 22, ... }], acceptedFindings: [] , ...}
 * @example parseBaseline('{"listeners": [{"family": "tcpp", ...}]}', 'b.json')
 *   throws InputError('baseline b.json: listeners[0].family: unknown family "tcpp" (...)')
 */
export function parseBaseline(text: string, fileName: string): Baseline {
  const fail = (problem: string): never => {
    throw new InputError(`baseline ${fileName}: ${problem}`);
  };
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    fail(`not valid JSON (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`);
  }
  if (!isObject(document)) return fail('expected a JSON object with "listeners" and "acceptedFindings"');
  rejectUnknownKeys(document, TOP_KEYS, '', fail);
  if (document.sockauditBaseline !== undefined && document.sockauditBaseline !== 1) {
    fail(`sockauditBaseline: this sockaudit reads version 1, the file says ${JSON.stringify(document.sockauditBaseline)}`);
  }
  if (!Array.isArray(document.listeners)) fail('"listeners" must be an array');
  const acceptedRaw = document.acceptedFindings ?? [];
  if (!Array.isArray(acceptedRaw)) fail('"acceptedFindings" must be an array');
  const listeners = (document.listeners as unknown[]).map((entry, index) => parseListener(entry, `listeners[${index}]`, fail));
  const acceptedFindings = (acceptedRaw as unknown[]).map((entry, index) => parseAccepted(entry, `acceptedFindings[${index}]`, fail));
  return {
    sockauditBaseline: 1,
    createdAt: optionalString(document.createdAt, 'createdAt', fail) ?? '',
    host: optionalString(document.host, 'host', fail) ?? '',
    snapshot: typeof document.snapshot === 'number' ? document.snapshot : null,
    listeners,
    acceptedFindings,
  };
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function rejectUnknownKeys(object: Json, known: Set<string>, where: string, fail: (problem: string) => never): void {
  for (const key of Object.keys(object)) {
    if (!known.has(key)) fail(`${where}${where === '' ? '' : ': '}unknown key "${key}" (known: ${[...known].join(', ')})`);
  }
}

function optionalString(value: unknown, where: string, fail: (problem: string) => never): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') fail(`${where}: expected a string, got ${JSON.stringify(value)}`);
  return value as string;
}

function parseExpires(value: unknown, where: string, fail: (problem: string) => never): string | null {
  const text = optionalString(value, `${where}.expires`, fail);
  if (text === null) return null;
  if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text) || Number.isNaN(Date.parse(text))) {
    fail(`${where}.expires: expected a date such as 2026-12-31 or 2026-12-31T18:00:00Z, got "${text}"`);
  }
  return text;
}

function parseListener(value: unknown, where: string, fail: (problem: string) => never): AllowedListener {
  if (!isObject(value)) return fail(`${where}: expected an object`);
  rejectUnknownKeys(value, LISTENER_KEYS, where, fail);
  const family = typeof value.family === 'string' ? value.family.toLowerCase() : fail(`${where}.family: expected a string such as "tcp"`);
  const baseFamily = /[46]$/.test(family) ? family.slice(0, -1) : family;
  if (!(POLICED_FAMILIES as readonly string[]).includes(baseFamily)) {
    const why = (SOCKET_FAMILIES as readonly string[]).includes(baseFamily) ? 'is not policed by check' : 'unknown family';
    fail(`${where}.family: ${why} "${value.family}" (use one of ${POLICED_FAMILIES.join(', ')}, optionally with 4 or 6)`);
  }
  let port: AllowedListener['port'];
  if (value.port === 'ephemeral' || value.port === null || value.port === undefined) port = (value.port ?? null) as AllowedListener['port'];
  else if (typeof value.port === 'number' && Number.isInteger(value.port) && value.port >= 0 && value.port <= 65535) port = value.port;
  else return fail(`${where}.port: expected a port number 0-65535, "ephemeral" or null, got ${JSON.stringify(value.port)}`);
  if (port === null && baseFamily !== 'packet') fail(`${where}.port: required for ${baseFamily} (a number or "ephemeral")`);
  let exposure: Exposure | null = null;
  if (value.exposure !== undefined && value.exposure !== null) {
    if (typeof value.exposure !== 'string' || !(EXPOSURE_ORDER as readonly string[]).includes(value.exposure)) {
      fail(`${where}.exposure: expected one of ${EXPOSURE_ORDER.join(', ')}, got ${JSON.stringify(value.exposure)}`);
    }
    exposure = value.exposure as Exposure;
  } else if (baseFamily !== 'packet') {
    fail(`${where}.exposure: required for ${baseFamily} (${EXPOSURE_ORDER.join(', ')})`);
  }
  const netns = optionalString(value.netns, `${where}.netns`, fail) ?? 'host';
  const container = optionalString(value.container, `${where}.container`, fail);
  return {
    family,
    port,
    exposure,
    exe: optionalString(value.exe, `${where}.exe`, fail),
    netns,
    ...(container !== null ? { container } : {}),
    user: optionalString(value.user, `${where}.user`, fail),
    comment: optionalString(value.comment, `${where}.comment`, fail) ?? '',
    expires: parseExpires(value.expires, where, fail),
  };
}

function parseAccepted(value: unknown, where: string, fail: (problem: string) => never): AcceptedFinding {
  if (!isObject(value)) return fail(`${where}: expected an object`);
  rejectUnknownKeys(value, FINDING_KEYS, where, fail);
  if (typeof value.kind !== 'string' || !(FINDING_KINDS as readonly string[]).includes(value.kind)) {
    fail(`${where}.kind: expected one of ${FINDING_KINDS.join(', ')}, got ${JSON.stringify(value.kind)}`);
  }
  if (value.exe === undefined) fail(`${where}.exe: required (the finding's executable, or null for an unknown owner)`);
  const entry: AcceptedFinding = {
    kind: value.kind as FindingKind,
    exe: optionalString(value.exe, `${where}.exe`, fail),
    comment: optionalString(value.comment, `${where}.comment`, fail) ?? '',
    expires: parseExpires(value.expires, where, fail),
  };
  // absent (a baseline written before these keys) and null both mean "any"
  if (value.netns !== undefined) entry.netns = optionalString(value.netns, `${where}.netns`, fail);
  if (value.port !== undefined && value.port !== null) {
    if (typeof value.port !== 'number' || !Number.isInteger(value.port) || value.port < 0 || value.port > 65535) {
      fail(`${where}.port: expected a port number 0-65535 or null, got ${JSON.stringify(value.port)}`);
    }
    entry.port = value.port as number;
  }
  if (value.exposure !== undefined && value.exposure !== null) {
    if (typeof value.exposure !== 'string' || !(EXPOSURE_ORDER as readonly string[]).includes(value.exposure)) {
      fail(`${where}.exposure: expected one of ${EXPOSURE_ORDER.join(', ')}, got ${JSON.stringify(value.exposure)}`);
    }
    entry.exposure = value.exposure as Exposure;
  }
  return entry;
}

/**
 * A baseline file's text, unbounded on purpose (a user may pass a FIFO such as `<(...)`);
 * an unreadable file is one InputError line saying why.
 */
export function readBaselineFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = errnoCode(error);
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (code ?? String(error));
    throw new InputError(`baseline ${file}: cannot read it (${why})`);
  }
}
