import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { filesystemExecutableAliases, resolveWithinRoot } from '../../src/review/executable-aliases.js';
import { argv0Name, masqueradeReason, namesMatch, type ExecutableAliases } from '../../src/review/masquerade.js';

describe('namesMatch', () => {
  it.each([
    ['sshd', 'sshd', false, true],
    ['python3', 'python3.11', false, true],
    ['vim', 'vim.basic', false, true],
    ['php-fpm', 'php-fpm8.2', false, true],
    ['firefox', 'firefox-esr', false, true],
    ['containerd-shim', 'containerd-shim-runc-v2', true, true],
    // a 15-character prefix only counts for comm, which the kernel cuts
    ['containerd-shim', 'containerd-shimmer', false, false],
    ['udevd', 'kdmtmpflush', false, false],
    ['sh', 'sshd', false, false],
    ['', 'sshd', false, false],
  ] as const)('%s vs %s (truncated comm: %s) -> %s', (name, exe, truncated, expected) => {
    expect(namesMatch(name, exe, truncated)).toBe(expected);
  });
});

describe('argv0Name', () => {
  it.each([
    ['/usr/sbin/sshd -D', '/usr/sbin/sshd', 'sshd'],
    ['sshd: bob@pts/0', 'sshd:', 'sshd'],
    ['postgres: 15/main: checkpointer', 'postgres:', 'postgres'],
    ['-bash', '-bash', 'bash'],
  ])('%s', (cmdline, raw, name) => {
    expect(argv0Name(cmdline)).toEqual({ raw, name });
  });
  it('is null for an empty command line (kernel threads, zombies)', () => {
    expect(argv0Name('')).toBeNull();
    expect(argv0Name(null)).toBeNull();
  });
});

describe('masqueradeReason', () => {
  const ordinary: [string, { comm: string | null; exe: string | null; cmdline: string | null }][] = [
    ['sshd listener', { comm: 'sshd', exe: '/usr/sbin/sshd', cmdline: 'sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups' }],
    ['sshd session', { comm: 'sshd', exe: '/usr/sbin/sshd', cmdline: 'sshd: bob@pts/0' }],
    ['sshd-session (OpenSSH 9.8)', { comm: 'sshd-session', exe: '/usr/lib/openssh/sshd-session', cmdline: 'sshd-session: bob [priv]' }],
    ['nginx worker', { comm: 'nginx', exe: '/usr/sbin/nginx', cmdline: 'nginx: worker process' }],
    ['postgres child', { comm: 'postgres', exe: '/usr/lib/postgresql/15/bin/postgres', cmdline: 'postgres: 15/main: checkpointer' }],
    ['php-fpm master', { comm: 'php-fpm8.2', exe: '/usr/sbin/php-fpm8.2', cmdline: 'php-fpm: master process (/etc/php/8.2/fpm/php-fpm.conf)' }],
    ['python script, truncated comm', { comm: 'networkd-dispat', exe: '/usr/bin/python3.11', cmdline: '/usr/bin/python3 /usr/bin/networkd-dispatcher' }],
    ['gunicorn via setproctitle', { comm: 'gunicorn', exe: '/usr/bin/python3.11', cmdline: 'gunicorn: master [app]' }],
    ['node with a process title', { comm: 'npm start', exe: '/usr/bin/node', cmdline: 'npm start' }],
    ['java', { comm: 'java', exe: '/usr/lib/jvm/java-17-openjdk-amd64/bin/java', cmdline: '/usr/bin/java -jar app.jar' }],
    ['busybox applet', { comm: 'udhcpc', exe: '/bin/busybox', cmdline: 'udhcpc -i eth0' }],
    ['containerd-shim', { comm: 'containerd-shim', exe: '/usr/bin/containerd-shim-runc-v2', cmdline: '/usr/bin/containerd-shim-runc-v2 -namespace moby' }],
    ['systemd (sd-pam)', { comm: '(sd-pam)', exe: '/usr/lib/systemd/systemd', cmdline: '(sd-pam)' }],
    ['login shell', { comm: 'bash', exe: '/usr/bin/bash', cmdline: '-bash' }],
    ['firefox content process', { comm: 'Isolated Web Co', exe: '/usr/lib/firefox-esr/firefox-esr', cmdline: '/usr/lib/firefox-esr/firefox-esr -contentproc' }],
    ['vim alternative', { comm: 'vim', exe: '/usr/bin/vim.basic', cmdline: 'vim notes.txt' }],
    ['upgraded, not restarted', { comm: 'sshd', exe: '/usr/sbin/sshd (deleted)', cmdline: 'sshd: /usr/sbin/sshd -D' }],
    ['kernel thread', { comm: 'kworker/0:1', exe: null, cmdline: '' }],
    ['exe unreadable (not root)', { comm: 'cupsd', exe: null, cmdline: '/usr/sbin/cupsd -l' }],
  ];
  it.each(ordinary)('no finding: %s', (_, names) => {
    expect(masqueradeReason({ pid: 1, ...names })).toBeNull();
  });

  it('BPFDoor: comm and argv[0] name udevd, the exe is a deleted file in /dev/shm', () => {
    const reason = masqueradeReason({ pid: 4242, comm: 'udevd', exe: '/dev/shm/kdmtmpflush (deleted)', cmdline: '/sbin/udevd -d' });
    expect(reason).toBe('comm "udevd" and argv[0] "/sbin/udevd" do not match the executable /dev/shm/kdmtmpflush (deleted)');
  });

  it('a process posing as a kernel thread is a finding even for an interpreter', () => {
    expect(masqueradeReason({ pid: 7, comm: 'perl', exe: '/usr/bin/perl', cmdline: '[kworker/0:1]' })).toMatch(/poses as a kernel thread/);
  });

  it('only comm or only argv[0] matching is enough (programs rename one of them)', () => {
    expect(masqueradeReason({ pid: 1, comm: 'Web Content', exe: '/usr/lib/firefox/firefox', cmdline: '/usr/lib/firefox/firefox -contentproc' })).toBeNull();
    expect(masqueradeReason({ pid: 1, comm: 'sshd', exe: '/usr/sbin/sshd', cmdline: 'something else' })).toBeNull();
  });

  it('an emptied argv leaves comm alone to judge', () => {
    expect(masqueradeReason({ pid: 1, comm: 'sshd', exe: '/tmp/x', cmdline: '' })).toMatch(/argv is empty/);
  });

  it('asks the alias resolver about symlinked names (mysqld -> mariadbd)', () => {
    const names = { pid: 9, comm: 'mysqld', exe: '/usr/sbin/mariadbd', cmdline: '/usr/sbin/mysqld' };
    expect(masqueradeReason(names)).not.toBeNull();
    const asked: string[] = [];
    const aliases: ExecutableAliases = {
      isAlias: (pid, name, exe) => {
        asked.push(`${pid} ${name} ${exe}`);
        return name === '/usr/sbin/mysqld' && exe === '/usr/sbin/mariadbd';
      },
    };
    expect(masqueradeReason(names, aliases)).toBeNull();
    expect(asked).toContain('9 /usr/sbin/mysqld /usr/sbin/mariadbd');
  });
});

describe('filesystem aliases', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sockaudit-aliases-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  // a container-like root: /usr/sbin/mysqld -> mariadbd (relative), /bin -> usr/bin,
  // /usr/bin/nc -> /etc/alternatives/nc -> /usr/bin/nc.openbsd (absolute, inside the root)
  fs.mkdirSync(path.join(root, 'usr/sbin'), { recursive: true });
  fs.mkdirSync(path.join(root, 'usr/bin'), { recursive: true });
  fs.mkdirSync(path.join(root, 'etc/alternatives'), { recursive: true });
  fs.writeFileSync(path.join(root, 'usr/sbin/mariadbd'), '');
  fs.writeFileSync(path.join(root, 'usr/bin/nc.openbsd'), '');
  fs.symlinkSync('mariadbd', path.join(root, 'usr/sbin/mysqld'));
  fs.symlinkSync('usr/bin', path.join(root, 'bin'));
  fs.symlinkSync('/etc/alternatives/nc', path.join(root, 'usr/bin/nc'));
  fs.symlinkSync('/usr/bin/nc.openbsd', path.join(root, 'etc/alternatives/nc'));
  // a fake proc root whose pid 55 has that root
  const procRoot = path.join(root, 'proc');
  fs.mkdirSync(path.join(procRoot, '55'), { recursive: true });
  fs.symlinkSync(root, path.join(procRoot, '55/root'));

  it('resolves absolute links inside the root, not at ours', () => {
    expect(resolveWithinRoot(root, '/bin/nc')).toBe('/usr/bin/nc.openbsd');
    expect(resolveWithinRoot(root, '/usr/sbin/mysqld')).toBe('/usr/sbin/mariadbd');
    expect(resolveWithinRoot(root, '/usr/sbin/nothing')).toBeNull();
  });

  it('finds bare command names on the usual PATH of the process root', () => {
    const aliases = filesystemExecutableAliases(procRoot, false);
    expect(aliases.isAlias(55, 'nc', '/usr/bin/nc.openbsd')).toBe(true);
    expect(aliases.isAlias(55, '/usr/sbin/mysqld', '/usr/sbin/mariadbd')).toBe(true);
    expect(aliases.isAlias(55, 'mysqld', '/usr/sbin/mariadbd')).toBe(true);
    expect(aliases.isAlias(55, 'nc', '/usr/sbin/mariadbd')).toBe(false);
    // a relative argv[0] cannot be resolved without the process's cwd
    expect(aliases.isAlias(55, './mysqld', '/usr/sbin/mariadbd')).toBe(false);
    // pid without a root and no host fallback: nothing is an alias
    expect(aliases.isAlias(56, 'nc', '/usr/bin/nc.openbsd')).toBe(false);
  });
});
