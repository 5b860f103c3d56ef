/**
 * The argv lines of the redaction tests (issue 10, part 3): lines with secrets, each listing
 * every secret it holds (none may be left in the redacted line, not one byte of a secret
 * word), and benign lines, which must be stored unchanged. Shared by the unit table
 * (redact-cmdline.test.ts) and the live snapshot test (review/secrets-live.test.ts).
 *
 * Token-shaped values are built here from repeated pieces so that no real-looking credential
 * is spelled out in the source; their shapes follow gitleaks' rules (token-shapes.ts).
 */

export interface SecretLine {
  argv: string[];
  /** what must not be left anywhere in the redacted line. */
  secrets: string[];
  /** /proc/PID/exe, when the program matters (mysql clients). */
  exe?: string;
}

const repeat = (piece: string, length: number) => piece.repeat(Math.ceil(length / piece.length)).slice(0, length);

export const TOKENS = {
  aws: `AKIA${repeat('Q7ZT3XW2', 16)}`,
  awsSession: `ASIA${repeat('M4PK6RJ7', 16)}`,
  githubPat: `ghp_${repeat('Xy7Qw2Er9Tz', 36)}`,
  githubOauth: `gho_${repeat('Pq8Lm3Kj1Ha', 36)}`,
  githubUser: `ghu_${repeat('Zz4Yy5Xx6Ww', 36)}`,
  githubServer: `ghs_${repeat('Ab1Cd2Ef3Gh', 36)}`,
  githubRefresh: `ghr_${repeat('Rf5Gt6Hy7Uj', 36)}`,
  githubFine: `github_pat_${repeat('11ABCDEFG0_kLmNoPqRsTuV', 82)}`,
  gitlab: `glpat-${repeat('aB3_cD4-eF5', 20)}`,
  slackBot: `xoxb-1234567890-1234567890123-${repeat('aBcD1eFg2', 24)}`,
  slackUser: `xoxp-1234567890-1234567890-1234567890-${repeat('q1W2e3R4t5', 32)}`,
  slackLegacy: `xoxa-2-${repeat('Ab12Cd34', 30)}`,
  slackApp: `xapp-1-A0123456789-1234567890123-${repeat('abc123def456', 64)}`,
  jwt: `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6InRlc3QifQ.${repeat('dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', 43)}`,
  google: `AIza${repeat('SyD-9tSrke72PouQMnMX', 35)}`,
  stripeLive: `sk_live_${repeat('4eC39HqLyjWDarjtT1zdp7dc', 24)}`,
  stripeRestricted: `rk_live_${repeat('51H8xYz2AbC', 24)}`,
  npm: `npm_${repeat('a1b2c3d4e5f6', 36)}`,
  digitalocean: `dop_v1_${repeat('0a1b2c3d4e5f6789', 64)}`,
  openai: `sk-proj-${repeat('Ab_1Cd-2Ef3Gh4', 74)}T3BlbkFJ${repeat('Ij5Kl6Mn7Op8', 74)}`,
  anthropic: `sk-ant-api03-${repeat('Ab1_Cd2-Ef3Gh4', 93)}AA`,
  pypi: `pypi-AgEIcHlwaS5vcmc${repeat('CJGU4ZTlhNjYtMzIw', 60)}`,
  highEntropy: 'Zx9Qk2LmP0vR7sT4uW1yB3nC',
  highEntropyLong: 'b7Tq2Lz9Xw4Rk1Mv8Ns3Pd6Hf0Jc5Yg',
  pemBody: 'MIIEowIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi',
};

const PEM_RSA = `-----BEGIN RSA PRIVATE KEY-----\n${TOKENS.pemBody}\nkzsA9qXlNQY2oHnBn5Cr\n-----END RSA PRIVATE KEY-----`;

/** 80+ lines, each with every secret it holds. */
export const SECRET_LINES: SecretLine[] = [
  // values holding spaces: one argument, hidden whole
  { argv: ['app', '--password', 'correct horse battery staple', '--port', '80'], secrets: ['correct', 'horse', 'battery', 'staple'] },
  { argv: ['app', '--password=correct horse battery staple'], secrets: ['correct', 'horse', 'battery', 'staple'] },
  { argv: ['env', 'PASSWORD=my secret phrase', 'app'], secrets: ['my secret phrase', 'phrase'] },
  { argv: ['app', '--token', 'a1 b2 c3'], secrets: ['a1', 'b2', 'c3'] },
  { argv: ['app', '--passphrase', '  leading and trailing  '], secrets: ['leading', 'trailing'] },
  { argv: ['app', '--client-secret', 'tab\tseparated\nlines'], secrets: ['tab', 'separated', 'lines'] },
  // long options, = and next-argument forms
  { argv: ['app', '--password=hunter2', '--port', '80'], secrets: ['hunter2'] },
  { argv: ['app', '--passwd=pw0001', '--pass=pw0002'], secrets: ['pw0001', 'pw0002'] },
  { argv: ['app', '--token=tk0001', '--secret=sc0001'], secrets: ['tk0001', 'sc0001'] },
  { argv: ['app', '--api-key=k0001', '--apikey=k0002', '--api_key=k0003', '--apiKey=k0004'], secrets: ['k0001', 'k0002', 'k0003', 'k0004'] },
  { argv: ['app', '--access-key', 'ak0001', '--secret-key', 'sk0001'], secrets: ['ak0001', 'sk0001'] },
  { argv: ['app', '--auth=u:p0001', '--credential=c0001', '--credentials=c0002'], secrets: ['p0001', 'c0001', 'c0002'] },
  { argv: ['app', '--db-password=dbp001', '--auth-token=at0001', '--client-secret=cs0001'], secrets: ['dbp001', 'at0001', 'cs0001'] },
  { argv: ['app', '--dbpassword', 'dbp002', '--accessToken', 'at0002'], secrets: ['dbp002', 'at0002'] },
  { argv: ['redis-server', '--requirepass', 'rp0001', '--masterauth', 'ma0001', '--port', '6379'], secrets: ['rp0001', 'ma0001'] },
  { argv: ['app', '-token', 'gt0001', '-listen', ':8080'], secrets: ['gt0001'] },
  { argv: ['app', '--token', '-starts-with-dash0001'], secrets: ['starts-with-dash0001'] },
  { argv: ['java', '-Dspring.datasource.password=jp0001', '-Djavax.net.ssl.keyStorePassword=jp0002', '-jar', 'a.jar'], secrets: ['jp0001', 'jp0002'] },
  { argv: ['app', '--password', 'comma,and=equals0001'], secrets: ['comma,and=equals0001', 'equals0001'] },
  // the forms the issue found undocumented
  { argv: ['app', '--pwd=pwd0001'], secrets: ['pwd0001'] },
  { argv: ['mysqld_exporter', '--mysql-pwd=mpw0001'], secrets: ['mpw0001'] },
  { argv: ['env', 'MYSQL_PWD=mpw0002', 'mysqladmin', 'ping'], secrets: ['mpw0002'] },
  { argv: ['env', 'PGPASSWORD=pgp0001', 'psql', '-h', 'db'], secrets: ['pgp0001'] },
  { argv: ['app', '--key=key0001'], secrets: ['key0001'] },
  { argv: ['app', '--key', 'key0002'], secrets: ['key0002'] },
  { argv: ['app', '--jwt=jwt0001'], secrets: ['jwt0001'] },
  { argv: ['app', '--bearer', 'brr0001'], secrets: ['brr0001'] },
  { argv: ['app', '--otp', '123987'], secrets: ['123987'] },
  { argv: ['app', '--ssh-key=ssh0001'], secrets: ['ssh0001'] },
  { argv: ['app', '--ssh-key', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI0001'], secrets: ['AAAAC3NzaC1lZDI1NTE5AAAAI0001'] },
  { argv: ['app', '--password:colon0001'], secrets: ['colon0001'] },
  { argv: ['app', '-password:colon0002', '-v'], secrets: ['colon0002'] },
  { argv: ['app', '--password', '--verbose', 'later0001'], secrets: ['later0001'] },
  { argv: ['app', '--token', '--debug', '--log-level=info', 'later0002', '--port', '80'], secrets: ['later0002'] },
  // headers and cookies
  { argv: ['curl', '--header=Authorization: Basic QmFzaWMwMDAx', 'http://127.0.0.1/'], secrets: ['QmFzaWMwMDAx'] },
  { argv: ['curl', '-H', 'X-Api-Key: xak0001', 'http://127.0.0.1/'], secrets: ['xak0001'] },
  { argv: ['curl', '-H', 'Authorization: Bearer bear0001', 'http://127.0.0.1/'], secrets: ['bear0001'] },
  { argv: ['curl', '-H', 'Authorization:', 'Bearer', 'bear0002', 'http://127.0.0.1/'], secrets: ['bear0002'] },
  { argv: ['curl', '--header', 'X-Auth-Token:xat0001'], secrets: ['xat0001'] },
  { argv: ['curl', '--proxy-header', 'Proxy-Authorization: Basic cHJveHkwMDAx'], secrets: ['cHJveHkwMDAx'] },
  { argv: ['curl', '-H', 'Cookie: sid=ck0001; theme=dark'], secrets: ['ck0001'] },
  { argv: ['curl', '--cookie=sid=ck0002'], secrets: ['ck0002'] },
  { argv: ['curl', '-b', 'sid=ck0003', 'http://127.0.0.1/'], secrets: ['ck0003'] },
  { argv: ['curl', '--cookie', 'ck0004value'], secrets: ['ck0004value'] },
  { argv: ['http', 'GET', 'http://127.0.0.1/', 'Authorization: token hdr0001'], secrets: ['hdr0001'] },
  { argv: ['app', 'Private-Token: glt0001'], secrets: ['glt0001'] },
  // user info and user:password options
  { argv: ['psql', 'postgres://bob:s3cret0001@db/app'], secrets: ['s3cret0001'] },
  { argv: ['app', '--url=redis://:rd0001@localhost:6379/0'], secrets: ['rd0001'] },
  { argv: ['app', 'mongodb://u:p@ss0001@h1,h2/db'], secrets: ['p@ss0001', 'ss0001'] },
  { argv: ['app', 'http://u:pa/ss0001@h/x'], secrets: ['pa/ss0001', 'ss0001'] },
  { argv: ['rsync', 'bob:rs0001@backup.example:/srv/'], secrets: ['rs0001'] },
  { argv: ['app', '--dsn=bob:dsn0001@tcp(db:3306)/app'], secrets: ['dsn0001'] },
  { argv: ['git', 'clone', 'x-access-token:gat0001@github.example/org/repo.git'], secrets: ['gat0001'] },
  { argv: ['curl', '-u', 'bob:cu0001', 'http://127.0.0.1/'], secrets: ['cu0001'] },
  { argv: ['curl', '--user=bob:cu0002', 'http://127.0.0.1/'], secrets: ['cu0002'] },
  { argv: ['curl', '-ubob:cu0003', 'http://127.0.0.1/'], secrets: ['cu0003'] },
  { argv: ['curl', '-u', 'bob:445566', 'http://127.0.0.1/'], secrets: ['445566'] },
  { argv: ['app', '--proxy-user', 'bob:pu0001'], secrets: ['pu0001'] },
  // option lists and URL queries, presigned URLs
  { argv: ['mount', '-o', 'username=bob,password=mo0001,uid=0'], secrets: ['mo0001'] },
  { argv: ['curl', 'https://api.example/v1?user=bob&token=q0001&x=1#f'], secrets: ['q0001'] },
  {
    argv: ['curl', `https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${TOKENS.aws}%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024&X-Amz-Security-Token=sts0001`],
    secrets: [TOKENS.aws, 'fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024', 'sts0001'],
  },
  { argv: ['curl', 'https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sig=azs0001%2Bx%3D&se=2030'], secrets: ['azs0001'] },
  { argv: ['curl', 'https://storage.googleapis.example/b/o?X-Goog-Signature=gsig0001&X-Goog-Date=1'], secrets: ['gsig0001'] },
  { argv: ['curl', 'https://d111.cloudfront.example/x?Expires=1&Signature=cfs0001&Key-Pair-Id=K1'], secrets: ['cfs0001'] },
  { argv: ['curl', 'https://maps.example/api?key=gkey0001&q=x'], secrets: ['gkey0001'] },
  // mysql-style -pSECRET for mysql clients only
  { argv: ['mysql', '-uroot', '-pmy0001', 'app'], secrets: ['my0001'] },
  { argv: ['/usr/bin/mariadb', '-h', 'db', '-pmy0002'], secrets: ['my0002'] },
  { argv: ['mysqldump', '-pmy0003', '--all-databases'], secrets: ['my0003'] },
  { argv: ['mysqladmin', '-u', 'root', '-pmy0004', 'ping'], secrets: ['my0004'] },
  { argv: ['sudo', '-u', 'backup', 'mysqldump', '-pmy0005'], secrets: ['my0005'] },
  { argv: ['docker', 'exec', 'db', 'mysql', '-pmy0006', '-e', 'select 1'], secrets: ['my0006'] },
  { argv: ['client', '-pmy0007'], secrets: ['my0007'], exe: '/usr/bin/mysqlsh' },
  // shell snippets and titles: word by word
  { argv: ['sh', '-c', "PASSWORD='sh secret 0001' exec app --port 80"], secrets: ['sh secret 0001', 'secret 0001'] },
  { argv: ['sh', '-c', 'mysqladmin -pmy0008 ping && curl -u bob:cu0004 http://127.0.0.1/'], secrets: ['my0008', 'cu0004'] },
  { argv: ['bash', '-c', 'curl -H "Authorization: Bearer bear0003 extra0003" http://127.0.0.1/'], secrets: ['bear0003', 'extra0003'] },
  { argv: ['bash', '-c', 'app --password "two words0004" --port 80'], secrets: ['two', 'words0004'] },
  { argv: ['myapp: worker --token tt0001 --port 80'], secrets: ['tt0001'] },
  // vendor token shapes anywhere (gitleaks rule ids in token-shapes.ts)
  { argv: ['app', TOKENS.aws], secrets: [TOKENS.aws] },
  { argv: ['env', `AWS_ACCESS_KEY_ID=${TOKENS.awsSession}`, 'app'], secrets: [TOKENS.awsSession] },
  { argv: ['app', '--gh', TOKENS.githubPat], secrets: [TOKENS.githubPat] },
  { argv: ['app', `--oauth=${TOKENS.githubOauth}`], secrets: [TOKENS.githubOauth] },
  { argv: ['app', TOKENS.githubUser, TOKENS.githubServer, TOKENS.githubRefresh], secrets: [TOKENS.githubUser, TOKENS.githubServer, TOKENS.githubRefresh] },
  { argv: ['git', 'push', `https://${TOKENS.githubFine}@github.example/org/repo`], secrets: [TOKENS.githubFine] },
  { argv: ['app', TOKENS.gitlab], secrets: [TOKENS.gitlab] },
  { argv: ['bot', TOKENS.slackBot], secrets: [TOKENS.slackBot] },
  { argv: ['bot', `--slack=${TOKENS.slackUser}`], secrets: [TOKENS.slackUser] },
  { argv: ['bot', TOKENS.slackLegacy, TOKENS.slackApp], secrets: [TOKENS.slackLegacy, TOKENS.slackApp] },
  { argv: ['app', TOKENS.jwt], secrets: [TOKENS.jwt, TOKENS.jwt.split('.')[1]!, TOKENS.jwt.split('.')[2]!] },
  { argv: ['app', `--id-token=${TOKENS.jwt}`], secrets: [TOKENS.jwt.split('.')[2]!] },
  { argv: ['app', 'Bearer', TOKENS.jwt], secrets: [TOKENS.jwt.split('.')[1]!] },
  { argv: ['app', TOKENS.google], secrets: [TOKENS.google] },
  { argv: ['app', TOKENS.stripeLive, TOKENS.stripeRestricted], secrets: [TOKENS.stripeLive, TOKENS.stripeRestricted] },
  { argv: ['app', TOKENS.npm, TOKENS.digitalocean], secrets: [TOKENS.npm, TOKENS.digitalocean] },
  { argv: ['app', TOKENS.openai, TOKENS.anthropic], secrets: [TOKENS.openai, TOKENS.anthropic] },
  { argv: ['twine', 'upload', '-p', TOKENS.pypi], secrets: [TOKENS.pypi] },
  // PEM private key blocks, in one argument or across many
  { argv: ['app', `--tls-key=${PEM_RSA}`, '--port', '443'], secrets: [TOKENS.pemBody, 'kzsA9qXlNQY2oHnBn5Cr'] },
  { argv: ['app', PEM_RSA], secrets: [TOKENS.pemBody] },
  { argv: ['echo', '-----BEGIN', 'OPENSSH', 'PRIVATE', 'KEY-----', TOKENS.pemBody, 'second0001', '-----END', 'OPENSSH', 'PRIVATE', 'KEY-----', 'after'], secrets: [TOKENS.pemBody, 'second0001'] },
  { argv: ['app', '--data', `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${TOKENS.pemBody} unterminated0001`], secrets: [TOKENS.pemBody, 'unterminated0001'] },
  // long high-entropy values after =
  { argv: ['app', `--cluster-token-ref=${TOKENS.highEntropy}`], secrets: [TOKENS.highEntropy] },
  { argv: ['env', `SOME_VALUE=${TOKENS.highEntropyLong}`, 'app'], secrets: [TOKENS.highEntropyLong] },
  { argv: ['curl', `https://hooks.example/x?v=${TOKENS.highEntropyLong}&y=1`], secrets: [TOKENS.highEntropyLong] },
  { argv: ['app', `-o`, `opt=1,seed=${TOKENS.highEntropy}`], secrets: [TOKENS.highEntropy] },
];

/** 40+ lines that hold no secret: stored unchanged. */
export const BENIGN_LINES: { argv: string[]; exe?: string }[] = [
  { argv: ['/usr/sbin/sshd', '-D'] },
  { argv: ['nginx: master process /usr/sbin/nginx -g daemon on;'] },
  { argv: ['nginx: worker process'] },
  { argv: ['/usr/bin/python3', '-m', 'http.server', '8000', '--bind', '127.0.0.1'] },
  { argv: ['nc', '-l', '-p', '8080'] },
  { argv: ['socat', '-p', '8080', 'TCP-LISTEN:9000,fork', 'TCP:127.0.0.1:80'] },
  { argv: ['sshd', '-p', '2222', '-p2223'] },
  { argv: ['app', '--config', '/etc/app.yaml', '--port', '8080'] },
  { argv: ['app', '--config=/etc/app/config.yaml', '--listen=0.0.0.0:443'] },
  { argv: ['app', '--keyfile', '/etc/ssl/private/server.key', '--certfile', '/etc/ssl/certs/server.crt'] },
  { argv: ['app', '--key', '/etc/ssl/private/server.key'] },
  { argv: ['app', '--key=./certs/dev.key', '--ssh-key', '~/.ssh/id_ed25519'] },
  { argv: ['openssl', 's_server', '-key', 'server.pem', '-cert', 'cert.pem', '-accept', '4433'] },
  { argv: ['app', '--tls-key', '/run/secrets/tls.key', '--private-key=/etc/app/jwt-private.pem'] },
  { argv: ['app', '--password-file', '/run/secrets/pw', '--token-path', '/t'] },
  { argv: ['docker', 'login', '--password-stdin', '--username', 'bob'] },
  { argv: ['app', '--auth-type', 'basic', '--no-password', 'x'] },
  { argv: ['app', '--pass-through', '--bypass', '1', '--compass', '2'] },
  { argv: ['env', 'PWD=/home/bob', 'OLDPWD=/tmp', 'app'] },
  { argv: ['mysql', '--password', '--port=3306'] },
  { argv: ['mysql', '-p', 'appdb', '-P3306', '-h', 'db.internal'] },
  { argv: ['app', '--password'] },
  { argv: ['app', '--password='] },
  { argv: ['app', 'http://host:8080/path', 'http://bob@host/path'] },
  { argv: ['git', 'clone', 'git@github.com:org/repo.git'] },
  { argv: ['ssh', '-p', '22', 'bob@host.example'] },
  { argv: ['scp', 'file', 'bob@host:/srv/file'] },
  { argv: ['docker', 'run', '--user', '1000:1000', '-p', '8080:80', '-v', '/srv:/data', 'nginx:1.25@sha256:0123abcd'] },
  { argv: ['dockerd', '-H', 'unix:///var/run/docker.sock', '-H', 'tcp://127.0.0.1:2375'] },
  { argv: ['gunicorn', '-b', '0.0.0.0:8000', '-w', '4', 'app:app'] },
  { argv: ['curl', '-b', 'cookies.txt', '-c', 'jar.txt', '--cookie-jar', '/tmp/jar', 'http://127.0.0.1/'] },
  { argv: ['curl', '-H', 'Accept: application/json', '-H', 'Content-Type: text/plain', 'http://127.0.0.1/'] },
  { argv: ['curl', '--user', 'bob', 'http://127.0.0.1/'] },
  { argv: ['java', '-Xmx2g', '-Dfile.encoding=UTF-8', '-Djava.security.egd=file:/dev/./urandom', '-cp', '/opt/app/lib/*', 'com.example.ServiceApplication'] },
  { argv: ['/usr/lib/jvm/java-17-openjdk-amd64/bin/java', '-jar', '/opt/app/app-1.2.3.jar', '--server.port=8443'] },
  { argv: ['kubelet', '--node-ip=10.0.0.5', '--cluster-cidr=10.244.0.0/16', '--container-runtime-endpoint=unix:///run/containerd/containerd.sock'] },
  { argv: ['containerd-shim-runc-v2', '-namespace', 'k8s.io', '-id', '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', '-address', '/run/containerd/containerd.sock'] },
  { argv: ['app', '--request-id=123e4567-e89b-12d3-a456-426614174000', '--commit=9fceb02d0ae598e95dc970b74767f19372d61af8'] },
  { argv: ['app', '--name=MyApplicationServer2024', '--env=production-eu-west-1'] },
  { argv: ['node', '--max-old-space-size=4096', '--inspect=127.0.0.1:9229', 'server.js'] },
  { argv: ['postgres: bob appdb 127.0.0.1(5432) idle'] },
  { argv: ['sh', '-c', 'exec /usr/local/bin/app --port 8080 --config /etc/app.yaml'] },
  { argv: ['redis-server', '*:6379'] },
  { argv: ['chrome', '--type=renderer', '--field-trial-handle=1718379636,r,13286545716412365407,9876543210987654321,262144', '--lang=en-US'] },
  { argv: ['app', '--header-size=8192', '--keepalive=75', '--key-id=k1', '--token-ttl=3600'] },
  { argv: ['app', 'key:value', 'token-bucket', 'secretary', 'passport'] },
  { argv: ['app', '--email=bob@example.com', '--listen=[::1]:8080'] },
  { argv: ['app', 'with  two spaces', '', 'trailing '] },
  { argv: ['-----BEGIN', 'CERTIFICATE-----', 'MIIBszCCAVmgAwIBAgI', '-----END', 'CERTIFICATE-----'] },
  { argv: ['sort', '-k', '2', '-t', ','] },
];
