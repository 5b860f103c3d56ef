import { describe, expect, it } from 'vitest';
import { ContainerIdentity } from '../../src/inventory/container-identity.js';
import { WarningLog } from '../../src/inventory/warning-log.js';
import { createProcFs } from '../../src/proc/proc-fs.js';
import { createRuntimeMetadata } from '../../src/runtime/runtime-metadata.js';

const DOCKER_ID = '3f4e'.repeat(16);
const IN_DOCKER = `0::/system.slice/docker-${DOCKER_ID}.scope\n`;
const ON_HOST = '0::/user.slice/user-0.slice/session-1.scope\n';

describe('ContainerIdentity.learn', () => {
  it('gives processes with the same cgroup file the same container, and each process what its own file says', () => {
    const warnings = new WarningLog();
    // no runtime metadata: containers are named by id, with a warning
    const identity = new ContainerIdentity(createProcFs('/nonexistent'), createRuntimeMetadata(null), warnings);
    const first = identity.learn(100, IN_DOCKER);
    const second = identity.learn(101, IN_DOCKER);
    expect(first).toMatchObject({ runtime: 'docker', id: DOCKER_ID });
    expect(second).toEqual(first);
    expect(identity.learn(102, ON_HOST)).toBeNull();
    expect(identity.learn(103, null)).toBeNull();
    // a process already looked at keeps what was read first; the others are read from their own text
    expect(identity.learn(102, IN_DOCKER)).toBeNull();
    expect(identity.learn(104, IN_DOCKER)).toEqual(first);
    expect(identity.containerOf(101)).toEqual(first);
    expect(warnings.toArray().map((warning) => warning.code)).toEqual(['container-metadata-unreadable']);
  });
});
