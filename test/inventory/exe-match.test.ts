import { describe, expect, it } from 'vitest';
import { exeBasename, exeMatches, exeWithStartedName, startedAs } from '../../src/inventory/exe-match.js';

describe('exeMatches: --exe as people type it', () => {
  const nginx = { exe: '/usr/sbin/nginx', comm: 'nginx' };
  it('a path must equal the exe', () => {
    expect(exeMatches('/usr/sbin/nginx', nginx)).toBe(true);
    expect(exeMatches('/usr/local/sbin/nginx', nginx)).toBe(false);
    expect(exeMatches('/usr/sbin/nginx', { exe: null, comm: 'nginx' })).toBe(false);
  });
  it('a bare name matches the basename, also of a deleted binary', () => {
    expect(exeMatches('nginx', nginx)).toBe(true);
    expect(exeMatches('nginx', { exe: '/usr/sbin/nginx (deleted)', comm: 'x' })).toBe(true);
    expect(exeMatches('ngin', nginx)).toBe(false);
    expect(exeMatches('sbin', nginx)).toBe(false);
  });
  it('a bare name matches the comm, cut to 15 bytes as the kernel does', () => {
    expect(exeMatches('redis-server', { exe: '/usr/bin/redis-check-rdb', comm: 'redis-server' })).toBe(true);
    expect(exeMatches('systemd-resolved', { exe: null, comm: 'systemd-resolve' })).toBe(true);
    expect(exeMatches('systemd-resolvedX', { exe: null, comm: 'systemd-resolve' })).toBe(true);
    expect(exeMatches('', { exe: null, comm: '' })).toBe(false);
  });
  it('exeBasename drops the directory and the deleted suffix', () => {
    expect(exeBasename('/dev/shm/kdmtmpflush (deleted)')).toBe('kdmtmpflush');
    expect(exeBasename('python3')).toBe('python3');
  });
});

describe('startedAs: the name a process was started as, beside its exe', () => {
  it('names a daemon run through a symlink, and nothing where the names agree', () => {
    expect(startedAs({ exe: '/usr/bin/redis-check-rdb', comm: 'redis-server', cmdline: 'redis-server *:6379' })).toBe('redis-server');
    expect(exeWithStartedName({ exe: '/usr/bin/redis-check-rdb', comm: 'redis-server', cmdline: null })).toBe('/usr/bin/redis-check-rdb (as redis-server)');
    expect(startedAs({ exe: '/usr/sbin/nginx', comm: 'nginx', cmdline: 'nginx: worker process' })).toBeNull();
    expect(startedAs({ exe: '/usr/sbin/nginx (deleted)', comm: 'nginx', cmdline: null })).toBeNull();
    // the kernel cuts comm to 15 bytes
    expect(startedAs({ exe: '/usr/lib/systemd/systemd-resolved', comm: 'systemd-resolve', cmdline: null })).toBeNull();
    // no comm: argv[0]'s basename
    expect(startedAs({ exe: '/usr/bin/python3.11', comm: null, cmdline: '/usr/bin/python3 -m http.server' })).toBe('python3');
    expect(exeWithStartedName({ exe: null, comm: 'x', cmdline: null })).toBeNull();
  });
});
