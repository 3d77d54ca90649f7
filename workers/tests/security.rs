//! Security settings of the real `livematch` binary (issue 7, "Security"):
//!
//! * Redis passwords reach Redis from the environment (a Kubernetes
//!   Secret): in the URL or in `LIVEMATCH_REDIS_PASSWORD`, against a real
//!   `redis-server --requirepass`; a wrong or missing password stops the
//!   process with a clear error;
//! * `rediss://` (TLS) works against a real TLS `redis-server` whose
//!   certificate is signed by a private CA given in `SSL_CERT_FILE`, and is
//!   refused without that CA;
//! * no secret shows in `--help` (whose `[env: ...]` notes otherwise print
//!   values) or in any log line, even at debug level with librdkafka's
//!   configuration dump;
//! * Kafka security settings pass through to librdkafka: what this build
//!   supports (TLS, SASL PLAIN/SCRAM/OAUTHBEARER) is accepted, the rest
//!   (GSSAPI, unknown properties) refused by name. TLS end to end:
//!   `kafka_tls.rs`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use livematch_e2e::http;
use livematch_e2e::process::free_port;
use livematch_workers::bus::kafka::{KafkaBus, KafkaConfig};

const REDIS_SERVER: &str = "/usr/bin/redis-server";
const LIVEMATCH: &str = env!("CARGO_BIN_EXE_livematch");
const WAIT: Duration = Duration::from_secs(15);

/// Secrets used below: none may ever be printed.
const PASSWORD: &str = "s3cret-Redis-pw_7";
const SASL_PASSWORD: &str = "s3cret-Sasl-pw_9";
const KEY_PASSWORD: &str = "s3cret-Key-pw_4";

// ---------------------------------------------------------------- processes

/// A child process, killed on drop, its output in a file.
struct Proc {
    child: Child,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Proc {
    fn spawn(program: &str, args: &[String], env: &[(&str, String)]) -> Proc {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("output.log");
        let out = std::fs::File::create(&log).expect("log file");
        let err = out.try_clone().expect("log file");
        let mut cmd = Command::new(program);
        cmd.args(args).stdin(Stdio::null()).stdout(out).stderr(err).current_dir(dir.path());
        cmd.env_remove("RUST_LOG");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
        Proc { child, log, _dir: dir }
    }

    fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Wait for the process to exit; its exit code.
    async fn exited(&mut self) -> Option<i32> {
        let start = Instant::now();
        while start.elapsed() < WAIT {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("still running after {WAIT:?}; output:\n{}", self.output());
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn port_open(port: u16) -> bool {
    tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok()
}

/// A throwaway `redis-server` with a password (plain, or TLS only).
struct Redis {
    port: u16,
    _proc: Proc,
}

impl Redis {
    async fn start(tls: Option<&Certs>) -> Redis {
        assert!(Path::new(REDIS_SERVER).exists(), "{REDIS_SERVER} missing: run scripts/install-test-deps.sh");
        let port = free_port().expect("free port");
        let mut args: Vec<String> =
            ["--save", "", "--appendonly", "no", "--bind", "127.0.0.1", "--requirepass", PASSWORD]
                .map(String::from)
                .to_vec();
        match tls {
            None => args.extend(["--port".into(), port.to_string()]),
            Some(certs) => args.extend([
                "--port".into(),
                "0".into(),
                "--tls-port".into(),
                port.to_string(),
                "--tls-cert-file".into(),
                certs.path("server.crt"),
                "--tls-key-file".into(),
                certs.path("server.key"),
                "--tls-ca-cert-file".into(),
                certs.path("ca.crt"),
                "--tls-auth-clients".into(),
                "no".into(),
            ]),
        }
        let proc = Proc::spawn(REDIS_SERVER, &args, &[]);
        let start = Instant::now();
        while !port_open(port).await {
            assert!(start.elapsed() < WAIT, "redis-server did not listen on {port}:\n{}", proc.output());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Redis { port, _proc: proc }
    }
}

/// A private CA and a server certificate for localhost / 127.0.0.1.
struct Certs {
    dir: tempfile::TempDir,
}

impl Certs {
    fn make() -> Certs {
        let dir = tempfile::tempdir().expect("tempdir");
        let openssl = |args: &[&str]| {
            let out = Command::new("openssl")
                .args(args)
                .current_dir(dir.path())
                .output()
                .unwrap_or_else(|e| panic!("openssl (the CLI, to make test certificates) cannot run: {e}"));
            assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        };
        std::fs::write(dir.path().join("san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n").expect("ext");
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-days",
            "2",
            "-subj",
            "/CN=livematch test CA",
        ]);
        openssl(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ]);
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "2",
            "-extfile",
            "san.ext",
        ]);
        Certs { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_string_lossy().into_owned()
    }
}

/// `livematch gateway` on free ports; `(process, viewer address, ops address)`.
fn gateway(redis_url: &str, env: &[(&str, String)]) -> (Proc, String, String) {
    let (listen, ops) = (free_port().expect("port"), free_port().expect("port"));
    let public = tempfile::tempdir().expect("public dir");
    let args: Vec<String> = [
        "gateway",
        "--listen",
        &format!("127.0.0.1:{listen}"),
        "--metrics-listen",
        &format!("127.0.0.1:{ops}"),
        "--public-dir",
        &public.path().to_string_lossy(),
    ]
    .map(String::from)
    .to_vec();
    let mut env = env.to_vec();
    env.push(("LIVEMATCH_REDIS", redis_url.to_owned()));
    (Proc::spawn(LIVEMATCH, &args, &env), format!("127.0.0.1:{listen}"), format!("127.0.0.1:{ops}"))
}

/// Wait until `GET path` answers 200; fail with the process output if it
/// exits first.
async fn until_ok(proc: &mut Proc, addr: &str, path: &str) {
    let start = Instant::now();
    loop {
        if let Ok((200, _)) = http::get(addr, path).await {
            return;
        }
        if let Ok(Some(status)) = proc.child.try_wait() {
            panic!("exited ({status}) before {path} answered 200:\n{}", proc.output());
        }
        assert!(start.elapsed() < WAIT, "{addr}{path} not 200 after {WAIT:?}:\n{}", proc.output());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn assert_no_secret(what: &str, text: &str) {
    for secret in [PASSWORD, SASL_PASSWORD, KEY_PASSWORD] {
        assert!(!text.contains(secret), "{what} shows a secret:\n{text}");
    }
}

// ---------------------------------------------------------------- Redis

#[tokio::test]
async fn redis_password_comes_from_the_environment_and_is_never_logged() {
    let redis = Redis::start(None).await;
    let url = format!("redis://127.0.0.1:{}/", redis.port);
    let debug = ("RUST_LOG", "debug".to_owned());
    // The password on its own (the Secret holds only it)...
    let (mut gw, viewers, ops) = gateway(&url, &[("LIVEMATCH_REDIS_PASSWORD", PASSWORD.into()), debug.clone()]);
    until_ok(&mut gw, &ops, "/readyz").await;
    let (status, body) = http::get(&viewers, "/api/matches").await.expect("lobby");
    assert_eq!((status, body.as_str()), (200, "[]"), "Redis answers through the password");
    // ...or in the URL (the Secret holds the whole URL).
    let with_password = format!("redis://:{PASSWORD}@127.0.0.1:{}/", redis.port);
    let (mut gw2, _, ops2) = gateway(&with_password, &[debug]);
    until_ok(&mut gw2, &ops2, "/readyz").await;
    drop((gw, gw2));
    // A consumer too (its Kafka is unreachable: ready means Redis is up).
    let metrics = free_port().expect("port");
    let args: Vec<String> = [
        "consume",
        "--match-id",
        "sec-m1",
        "--kafka",
        "127.0.0.1:1",
        "--metrics-listen",
        &format!("127.0.0.1:{metrics}"),
    ]
    .map(String::from)
    .to_vec();
    let env = [
        ("LIVEMATCH_REDIS", url.clone()),
        ("LIVEMATCH_REDIS_PASSWORD", PASSWORD.into()),
        ("LIVEMATCH_KAFKA_SASL_USERNAME", "livematch".into()),
        ("LIVEMATCH_KAFKA_SASL_PASSWORD", SASL_PASSWORD.into()),
        ("LIVEMATCH_KAFKA_OPTIONS", "security.protocol=SASL_PLAINTEXT,sasl.mechanism=PLAIN,debug=conf".to_owned()),
        ("RUST_LOG", "debug".into()),
    ];
    let mut consumer = Proc::spawn(LIVEMATCH, &args, &env);
    until_ok(&mut consumer, &format!("127.0.0.1:{metrics}"), "/readyz").await;
    tokio::time::sleep(Duration::from_millis(500)).await; // some librdkafka logging
    let logs = consumer.output();
    assert!(logs.contains("connected to redis"), "{logs}");
    assert_no_secret("the consumer's debug log", &logs);
}

#[tokio::test]
async fn wrong_or_missing_redis_password_is_a_clear_error() {
    let redis = Redis::start(None).await;
    let url = format!("redis://127.0.0.1:{}/", redis.port);
    for (case, env, words) in [
        ("wrong", vec![("LIVEMATCH_REDIS_PASSWORD", SASL_PASSWORD.to_owned())], ["authentication failed", "wrongpass"]),
        ("missing", vec![], ["noauth", "authentication required"]),
    ] {
        let (mut gw, _, _) = gateway(&url, &env);
        let code = gw.exited().await;
        let output = gw.output();
        assert_eq!(code, Some(1), "{case} password: exit code; output:\n{output}");
        let lower = output.to_ascii_lowercase();
        assert!(words.iter().any(|w| lower.contains(w)), "{case} password: no clear error in:\n{output}");
        assert!(output.contains(&format!("127.0.0.1:{}", redis.port)), "the error names the server:\n{output}");
        assert_no_secret(case, &output);
    }
}

#[tokio::test]
async fn rediss_with_a_private_ca() {
    let certs = Certs::make();
    let redis = Redis::start(Some(&certs)).await;
    let url = format!("rediss://localhost:{}/", redis.port);
    let password = ("LIVEMATCH_REDIS_PASSWORD", PASSWORD.to_owned());
    let (mut gw, viewers, ops) = gateway(&url, &[password.clone(), ("SSL_CERT_FILE", certs.path("ca.crt"))]);
    until_ok(&mut gw, &ops, "/readyz").await;
    assert_eq!(http::get(&viewers, "/api/matches").await.expect("lobby").0, 200);
    assert_no_secret("the TLS gateway's log", &gw.output());
    drop(gw);
    // Without the CA the server's certificate is not trusted.
    let (mut untrusted, _, _) = gateway(&url, &[password, ("SSL_CERT_FILE", certs.path("server.key"))]);
    assert_eq!(untrusted.exited().await, Some(1), "{}", untrusted.output());
    let output = untrusted.output().to_ascii_lowercase();
    assert!(output.contains("certificate") || output.contains("unknownissuer"), "no TLS error in:\n{output}");
}

// ---------------------------------------------------------------- help and Kafka

#[tokio::test]
async fn help_never_shows_secret_values() {
    let env = [
        ("LIVEMATCH_REDIS", format!("redis://:{PASSWORD}@redis:6379/")),
        ("LIVEMATCH_REDIS_PASSWORD", PASSWORD.to_owned()),
        ("LIVEMATCH_KAFKA_SASL_PASSWORD", SASL_PASSWORD.to_owned()),
        ("LIVEMATCH_KAFKA_OPTIONS", format!("ssl.key.password={KEY_PASSWORD}")),
        ("LIVEMATCH_KAFKA_SASL_USERNAME", "visible-user".to_owned()),
    ];
    for command in ["gateway", "consume", "produce"] {
        let mut help = Proc::spawn(LIVEMATCH, &[command.to_owned(), "--help".to_owned()], &env);
        assert_eq!(help.exited().await, Some(0));
        let text = help.output();
        assert_no_secret(&format!("livematch {command} --help"), &text);
        let vars: &[&str] = match command {
            "gateway" => &["LIVEMATCH_REDIS", "LIVEMATCH_REDIS_PASSWORD", "LIVEMATCH_ALLOWED_ORIGINS"],
            "consume" => &["LIVEMATCH_REDIS_PASSWORD", "LIVEMATCH_KAFKA_SASL_PASSWORD", "LIVEMATCH_KAFKA_OPTIONS"],
            _ => &["LIVEMATCH_KAFKA_SASL_PASSWORD", "LIVEMATCH_KAFKA_OPTIONS"],
        };
        for var in vars {
            assert!(text.contains(var), "{command} --help should name {var}:\n{text}");
        }
        if command != "gateway" {
            assert!(text.contains("visible-user"), "non-secret values are still shown:\n{text}");
        }
    }
}

fn kafka(options: &[(&str, &str)]) -> Result<KafkaBus, String> {
    let mut config = KafkaConfig::new("127.0.0.1:1");
    config.extra = options.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    KafkaBus::new(config).map_err(|e| e.to_string())
}

#[test]
fn kafka_security_settings_pass_through() {
    let sasl = [("sasl.username", "livematch"), ("sasl.password", SASL_PASSWORD)];
    let with_sasl = |protocol: &'static str, mechanism: &'static str| {
        [[("security.protocol", protocol), ("sasl.mechanism", mechanism)].as_slice(), &sasl].concat()
    };
    // librdkafka is built with OpenSSL (the rdkafka `ssl` feature): TLS,
    // SCRAM and the built-in OAUTHBEARER token all need it.
    kafka(&[("security.protocol", "SSL")]).expect("TLS is built in");
    kafka(&[("security.protocol", "SSL"), ("ssl.ca.location", "/etc/ssl/certs/ca-certificates.crt")])
        .expect("a CA bundle");
    for protocol in ["SASL_PLAINTEXT", "SASL_SSL"] {
        for mechanism in ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] {
            kafka(&with_sasl(protocol, mechanism)).unwrap_or_else(|e| panic!("{protocol} {mechanism}: {e}"));
        }
        let oauth = [
            ("security.protocol", protocol),
            ("sasl.mechanism", "OAUTHBEARER"),
            ("enable.sasl.oauthbearer.unsecure.jwt", "true"),
        ];
        kafka(&oauth).unwrap_or_else(|e| panic!("{protocol} OAUTHBEARER: {e}"));
    }
    // A secret TLS setting is accepted and never shown.
    let bus = kafka(&[("security.protocol", "SSL"), ("ssl.key.password", KEY_PASSWORD)]).expect("ssl.key.password");
    assert_no_secret("a Kafka bus", &format!("{bus:?}"));
    // Unknown settings are refused by name, and a bad one does not echo
    // the secrets around it.
    let message = kafka(&[("sasl.password", SASL_PASSWORD), ("no.such.setting", "1")]).expect_err("unknown setting");
    assert!(message.contains("no.such.setting"), "{message}");
    assert_no_secret("a Kafka configuration error", &message);
    // A refused value of a secret setting (not a PEM key) is not echoed either.
    let bad_key = [("security.protocol", "SSL"), ("sasl.password", SASL_PASSWORD), ("ssl.key.pem", KEY_PASSWORD)];
    let message = kafka(&bad_key).expect_err("not a PEM key");
    assert!(message.contains("ssl.key"), "{message}");
    assert_no_secret("a refused TLS setting", &message);
    // GSSAPI (Kerberos) needs libsasl2, which this build does not link.
    let message = kafka(&[("security.protocol", "SASL_PLAINTEXT"), ("sasl.mechanism", "GSSAPI")]).err();
    assert!(message.is_some(), "GSSAPI is not built in");
}
