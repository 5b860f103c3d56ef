import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isSecretName, redactCmdline } from '../../src/inventory/redact-cmdline.js';

describe('redactCmdline', () => {
  const cases: [string, string][] = [
    // long options with =
    ['app --password=hunter2 --port 80', 'app --password=<redacted> --port 80'],
    ['app --PASSWORD=hunter2', 'app --PASSWORD=<redacted>'],
    ['app --passwd=x --pass=y', 'app --passwd=<redacted> --pass=<redacted>'],
    ['app --token=abc --secret=def', 'app --token=<redacted> --secret=<redacted>'],
    ['app --api-key=k1 --apikey=k2 --api_key=k3 --apiKey=k4', 'app --api-key=<redacted> --apikey=<redacted> --api_key=<redacted> --apiKey=<redacted>'],
    ['app --access-key=a --private-key=b --secret-key=c', 'app --access-key=<redacted> --private-key=<redacted> --secret-key=<redacted>'],
    ['app --auth=u:p --credential=c --credentials=d', 'app --auth=<redacted> --credential=<redacted> --credentials=<redacted>'],
    ['app --db-password=x --auth-token=y --client-secret=z', 'app --db-password=<redacted> --auth-token=<redacted> --client-secret=<redacted>'],
    ['app --dbpassword=x --accessToken=y', 'app --dbpassword=<redacted> --accessToken=<redacted>'],
    ['app --password=a,b=c', 'app --password=<redacted>'],
    ['app "--password=quoted"', 'app "--password=<redacted>'],
    // long options with the value in the next argument
    ['app --password hunter2 --port 80', 'app --password <redacted> --port 80'],
    ['app --api-key abc123 -v', 'app --api-key <redacted> -v'],
    ['app --token -starts-with-dash', 'app --token <redacted>'],
    ['redis-server --requirepass s3 --port 6379', 'redis-server --requirepass <redacted> --port 6379'],
    // single-dash long options (Go flag, Java)
    ['app -token abc -listen :8080', 'app -token <redacted> -listen :8080'],
    ['app -password=x', 'app -password=<redacted>'],
    ['java -Dspring.datasource.password=x -Djavax.net.ssl.keyStorePassword=y -jar a.jar', 'java -Dspring.datasource.password=<redacted> -Djavax.net.ssl.keyStorePassword=<redacted> -jar a.jar'],
    // a secret flag that is a boolean: the next long option is not a value
    ['mysql --password --host db', 'mysql --password --host db'],
    ['app --password', 'app --password'],
    // names that are not the secret
    ['app --password-file /run/secrets/pw --token-path /t', 'app --password-file /run/secrets/pw --token-path /t'],
    ['docker login --password-stdin --username bob', 'docker login --password-stdin --username bob'],
    ['app --auth-type basic --no-password x', 'app --auth-type basic --no-password x'],
    ['app --pass-through --bypass 1 --compass 2', 'app --pass-through --bypass 1 --compass 2'],
    ['app --key /etc/ssl/key.pem -p 5432', 'app --key /etc/ssl/key.pem -p 5432'],
    ['env PWD=/home/bob app', 'env PWD=/home/bob app'],
    // environment assignments
    ['env PASSWORD=x DB_PASSWORD=y GITHUB_TOKEN=z app', 'env PASSWORD=<redacted> DB_PASSWORD=<redacted> GITHUB_TOKEN=<redacted> app'],
    ['env AWS_SECRET_ACCESS_KEY=a AWS_ACCESS_KEY_ID=b CLIENT_SECRET=c', 'env AWS_SECRET_ACCESS_KEY=<redacted> AWS_ACCESS_KEY_ID=b CLIENT_SECRET=<redacted>'],
    ['sh -c MY_API_KEY=k exec app', 'sh -c MY_API_KEY=<redacted> exec app'],
    // option lists and URL queries
    ['mount -o username=bob,password=x,uid=0', 'mount -o username=bob,password=<redacted>,uid=0'],
    ['curl https://api.example/v1?user=bob&token=abc&x=1#f', 'curl https://api.example/v1?user=bob&token=<redacted>&x=1#f'],
    // URL user info
    ['psql postgres://bob:s3cret@db/app', 'psql postgres://bob:<redacted>@db/app'],
    ['app --url=redis://:pw@localhost:6379/0', 'app --url=redis://:<redacted>@localhost:6379/0'],
    ['app mongodb://u:p@ss@h1,h2/db', 'app mongodb://u:<redacted>@h1,h2/db'],
    ['app http://u:pa/ss@h/x', 'app http://u:<redacted>@h/x'],
    ['app http://host:8080/path', 'app http://host:8080/path'],
    ['app http://bob@host/path', 'app http://bob@host/path'],
    // user:password options of clients
    ['curl -u bob:pw http://x', 'curl -u bob:<redacted> http://x'],
    ['curl --user bob http://x', 'curl --user bob http://x'],
    // Authorization headers
    ['curl -H Authorization: Bearer abc.def http://x', 'curl -H Authorization: <redacted> <redacted> http://x'],
    ['curl -H "Authorization: Basic Ym9iOnB3" http://x', 'curl -H "Authorization: <redacted> <redacted> http://x'],
    // untouched
    ['/usr/sbin/sshd -D', '/usr/sbin/sshd -D'],
    ['nginx: master process /usr/sbin/nginx -g daemon on;', 'nginx: master process /usr/sbin/nginx -g daemon on;'],
    ['', ''],
    // whitespace kept as it was
    ['a  --token\tx', 'a  --token\t<redacted>'],
  ];
  it.each(cases)('%s', (input, expected) => {
    expect(redactCmdline(input)).toBe(expected);
  });

  it('is idempotent', () => {
    for (const [input] of cases) {
      const once = redactCmdline(input);
      expect(redactCmdline(once)).toBe(once);
    }
  });

  it('never lets a generated secret through the recognised forms', () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9!%*+,.:;=^_~@/-]{6,20}$/).filter((s) => !s.startsWith('-'));
    const form = fc.constantFrom(
      (s: string) => `--password=${s}`,
      (s: string) => `--password ${s}`,
      (s: string) => `--api-key ${s}`,
      (s: string) => `DB_PASSWORD=${s}`,
      (s: string) => `-token=${s}`,
    );
    fc.assert(
      fc.property(secret, form, (value, render) => {
        const redacted = redactCmdline(`app ${render(value)} --port 80`);
        expect(redacted).not.toContain(value);
        expect(redacted).toContain('--port 80');
      }),
    );
  });
});

describe('isSecretName', () => {
  it.each([
    ['password', true],
    ['db-password', true],
    ['AWS_SECRET_ACCESS_KEY', true],
    ['accessToken', true],
    ['secret-id', true],
    ['password-file', false],
    ['pass-through', false],
    ['PWD', false],
    ['key', false],
    ['p', false],
    ['', false],
  ] as const)('%s -> %s', (name, expected) => {
    expect(isSecretName(name)).toBe(expected);
  });
});
