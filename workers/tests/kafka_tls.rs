//! Kafka over TLS, end to end (issue 7, "Security"). The test broker
//! (Tansu) has no TLS listener, so a TLS-terminating proxy (tokio-rustls,
//! with a CA and a server certificate made here with rcgen) stands in front
//! of it, and Tansu advertises the proxy's address
//! (`--advertised-listener-url`): after bootstrapping, clients talk to the
//! broker only through TLS.
//!
//! * the `livematch produce` binary publishes a whole match with
//!   `LIVEMATCH_KAFKA_SECURITY_PROTOCOL=SSL` and the CA in
//!   `LIVEMATCH_KAFKA_SSL_CA_LOCATION`, and the consumer loop folds it into
//!   a finished match over `security.protocol=SSL` too;
//! * a client given another CA fails within a bounded time, with an error
//!   that says the broker's certificate could not be verified;
//! * SCRAM over TLS (`SASL_SSL` + `SCRAM-SHA-512`) is accepted by this
//!   build's librdkafka, and its password never shows.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use livematch_e2e::broker::Broker;
use livematch_e2e::process::free_port;
use livematch_sports::Sport;
use livematch_workers::bus::kafka::{KafkaBus, KafkaConfig};
use livematch_workers::bus::{EventBus, topic_for};
use livematch_workers::consumer::{self, ConsumerConfig, ConsumerMetrics};
use livematch_workers::source::Source;
use livematch_workers::store::memory::MemoryStore;
use livematch_workers::store::{Since, Store};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_util::sync::CancellationToken;

const LIVEMATCH: &str = env!("CARGO_BIN_EXE_livematch");
/// Bound of a whole match through TLS, producer or consumer.
const MATCH_WAIT: Duration = Duration::from_secs(90);
/// Bound of a failure to connect: the producer's admin request timeout
/// (30 s) plus start-up.
const FAILURE_WAIT: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------- certificates

/// A private CA and a server certificate it signed for 127.0.0.1 and
/// localhost.
struct Pki {
    ca_pem: String,
    server_chain: Vec<CertificateDer<'static>>,
    server_key: PrivatePkcs8KeyDer<'static>,
}

impl Pki {
    fn new(name: &str) -> Pki {
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name.push(DnType::CommonName, format!("{name} test CA"));
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
        let ca_cert = ca.self_signed(&ca_key).expect("CA certificate");
        let issuer = Issuer::new(ca, ca_key);

        let server_key = KeyPair::generate().expect("server key");
        let mut server =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).expect("server parameters");
        server.distinguished_name.push(DnType::CommonName, "127.0.0.1");
        server.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server_cert = server.signed_by(&server_key, &issuer).expect("server certificate");
        Pki {
            ca_pem: ca_cert.pem(),
            server_chain: vec![server_cert.der().clone()],
            server_key: PrivatePkcs8KeyDer::from(server_key.serialize_der()),
        }
    }

    /// Write the CA certificate (PEM) into `dir`; its path.
    fn write_ca(&self, dir: &Path, name: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, &self.ca_pem).expect("write CA");
        path
    }

    fn acceptor(&self) -> TlsAcceptor {
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(self.server_chain.clone(), PrivateKeyDer::Pkcs8(self.server_key.clone_key()))
            .expect("server certificate and key");
        TlsAcceptor::from(Arc::new(config))
    }
}

// ---------------------------------------------------------------- the proxy

/// What the proxy saw: completed TLS handshakes and failed ones.
#[derive(Default)]
struct Handshakes {
    ok: AtomicUsize,
    failed: Mutex<Vec<String>>,
}

impl Handshakes {
    fn ok(&self) -> usize {
        self.ok.load(Ordering::SeqCst)
    }

    fn failed(&self) -> Vec<String> {
        self.failed.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

/// Terminates TLS on its port and forwards the plain bytes to the broker.
struct TlsProxy {
    port: u16,
    handshakes: Arc<Handshakes>,
    task: JoinHandle<()>,
}

impl TlsProxy {
    fn spawn(listener: TcpListener, acceptor: TlsAcceptor, upstream: u16) -> TlsProxy {
        let port = listener.local_addr().expect("proxy address").port();
        let handshakes = Arc::new(Handshakes::default());
        let seen = Arc::clone(&handshakes);
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (acceptor, seen) = (acceptor.clone(), Arc::clone(&seen));
                tokio::spawn(async move {
                    let mut tls = match acceptor.accept(client).await {
                        Ok(tls) => tls,
                        Err(e) => {
                            seen.failed.lock().unwrap_or_else(PoisonError::into_inner).push(e.to_string());
                            return;
                        }
                    };
                    seen.ok.fetch_add(1, Ordering::SeqCst);
                    if let Ok(mut broker) = TcpStream::connect(("127.0.0.1", upstream)).await {
                        let _ = tokio::io::copy_bidirectional(&mut tls, &mut broker).await;
                    }
                });
            }
        });
        TlsProxy { port, handshakes, task }
    }

    fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for TlsProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Tansu behind a TLS proxy that it advertises as its address.
async fn tls_broker(pki: &Pki) -> (Broker, TlsProxy) {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
    let proxy_port = listener.local_addr().expect("proxy address").port();
    let broker = Broker::start_advertising(proxy_port).await.expect("start tansu");
    assert_eq!(broker.advertised_port(), proxy_port);
    let proxy = TlsProxy::spawn(listener, pki.acceptor(), broker.port());
    (broker, proxy)
}

/// A client of `proxy` over TLS, trusting the CA in `ca`.
fn tls_client(proxy: &TlsProxy, ca: &Path, extra: &[(&str, &str)]) -> KafkaBus {
    let mut config = KafkaConfig::new(proxy.address());
    config.session_timeout_ms = 6000;
    config.fetch_wait_max_ms = 20;
    config.extra = [("security.protocol", "SSL"), ("ssl.ca.location", &*ca.to_string_lossy())]
        .iter()
        .chain(extra)
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    KafkaBus::new(config).expect("a TLS client")
}

/// `livematch produce` of a simulated tennis match as fast as it goes,
/// with the Kafka settings in the environment (as a pod has them).
fn produce(match_id: &str, kafka: &str, env: &[(&str, String)]) -> tokio::process::Command {
    let metrics = format!("127.0.0.1:{}", free_port().expect("port"));
    let mut cmd = tokio::process::Command::new(LIVEMATCH);
    cmd.args(["produce", "--match-id", match_id, "--sport", "tennis", "--seed", "3", "--speed", "0"])
        .args(["--metrics-listen", &metrics])
        .env_remove("RUST_LOG")
        .env("LIVEMATCH_KAFKA", kafka)
        .envs(env.iter().map(|(k, v)| (*k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

// ---------------------------------------------------------------- tests

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_match_is_produced_and_consumed_over_tls() {
    let pki = Pki::new("livematch");
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = pki.write_ca(dir.path(), "kafka-ca.crt");
    let (_broker, proxy) = tls_broker(&pki).await;
    let match_id = "tls-final";
    let events =
        Source::simulate(Sport::Tennis, None, 3, None).expect("source").events().await.expect("simulated events");

    // The producer binary, configured the way the operator's pods are.
    let env = [
        ("LIVEMATCH_KAFKA_SECURITY_PROTOCOL", "SSL".to_owned()),
        ("LIVEMATCH_KAFKA_SSL_CA_LOCATION", ca.to_string_lossy().into_owned()),
    ];
    let mut producer = produce(match_id, &proxy.address(), &env);
    let run = producer.output();
    let out = tokio::time::timeout(MATCH_WAIT, run).await.expect("the producer finishes").expect("run livematch");
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "livematch produce over TLS failed ({}):\n{log}", out.status);
    assert!(log.contains("match published"), "{log}");

    // The consumer loop, a consumer-group member over TLS as well.
    let bus = tls_client(&proxy, &ca, &[]);
    let store = MemoryStore::new();
    let mut config = ConsumerConfig::new(match_id);
    config.poll_wait = Duration::from_millis(50);
    config.exit_when_finished = true;
    let run = consumer::run(
        Arc::new(bus.clone()),
        Arc::new(store.clone()),
        config,
        ConsumerMetrics::unregistered(),
        CancellationToken::new(),
    );
    tokio::time::timeout(MATCH_WAIT, run).await.expect("the consumer finishes the match").expect("consume over TLS");

    let Since::Frames(frames) = store.since(match_id, 0, 100_000).await.expect("event log") else {
        panic!("no event log")
    };
    assert_eq!(frames.len(), events.len(), "every event of the match went through TLS, once");
    let lobby = store.lobby().await.expect("lobby");
    let entry = lobby.iter().find(|e| e.id == match_id).expect("the match in the lobby");
    assert!(entry.status.is_finished(), "{entry:?}");
    assert_eq!(entry.seq, events.len() as u64);
    // The topic holds the match, read back over TLS by a third client.
    let records = bus.read_all(&topic_for(match_id), Duration::from_millis(500)).await.expect("read over TLS");
    assert_eq!(records.len(), events.len());

    let handshakes = &proxy.handshakes;
    assert!(handshakes.ok() >= 3, "producer, consumer and reader connect through TLS: {}", handshakes.ok());
    assert!(handshakes.failed().is_empty(), "failed handshakes: {:?}", handshakes.failed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_trusting_another_ca_fails_with_a_clear_error() {
    let pki = Pki::new("livematch");
    let dir = tempfile::tempdir().expect("tempdir");
    let wrong_ca = Pki::new("other").write_ca(dir.path(), "other-ca.crt");
    let (_broker, proxy) = tls_broker(&pki).await;

    // A library client: a publish gives up after message.timeout.ms and
    // says why.
    let bus = tls_client(&proxy, &wrong_ca, &[("message.timeout.ms", "5000")]);
    let topic = topic_for("wrong-ca");
    let publish = bus.publish(&topic, "wrong-ca", b"event".to_vec());
    let error = tokio::time::timeout(Duration::from_secs(30), publish)
        .await
        .expect("a publish to an unverifiable broker ends")
        .expect_err("the broker's certificate is not trusted")
        .to_string();
    assert!(error.contains("certificate verify failed"), "{error}");

    // The producer binary: exits with an error naming the certificate
    // problem rather than retrying forever.
    let env = [
        ("LIVEMATCH_KAFKA_SECURITY_PROTOCOL", "SSL".to_owned()),
        ("LIVEMATCH_KAFKA_SSL_CA_LOCATION", wrong_ca.to_string_lossy().into_owned()),
    ];
    let mut producer = produce("wrong-ca", &proxy.address(), &env);
    let run = producer.output();
    let out = tokio::time::timeout(FAILURE_WAIT, run).await.expect("the producer gives up").expect("run livematch");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "produced without a trusted broker:\n{stderr}");
    // The final error (`Error: ...`; a backtrace may follow when
    // RUST_BACKTRACE is set).
    let final_error = stderr.lines().rev().find(|l| l.starts_with("Error: ")).unwrap_or_default();
    assert!(final_error.contains("certificate verify failed"), "the final error should say why:\n{stderr}");

    // The proxy saw the clients abort the handshake; nothing got through.
    assert_eq!(proxy.handshakes.ok(), 0);
    assert!(!proxy.handshakes.failed().is_empty());
}

#[test]
fn scram_over_tls_is_built_in_and_its_password_never_shows() {
    use clap::Parser;
    use livematch_workers::cli::{Cli, Command};
    const PASSWORD: &str = "s3cret-Scram-pw_5";
    for mechanism in ["SCRAM-SHA-256", "SCRAM-SHA-512"] {
        let cli = Cli::try_parse_from([
            "livematch",
            "produce",
            "--match-id",
            "m",
            "--kafka",
            "127.0.0.1:1",
            "--kafka-security-protocol",
            "SASL_SSL",
            "--kafka-sasl-mechanism",
            mechanism,
            "--kafka-sasl-username",
            "livematch",
            "--kafka-sasl-password",
            PASSWORD,
        ])
        .expect("flags parse");
        let Command::Produce(args) = cli.command else { panic!("not produce") };
        let config = args.kafka.config();
        // librdkafka without OpenSSL refuses SASL_SSL and SCRAM right here.
        let bus = KafkaBus::new(config.clone()).unwrap_or_else(|e| panic!("{mechanism} over SASL_SSL refused: {e}"));
        let shown = format!("{args:?} {config:?} {bus:?}");
        assert!(!shown.contains(PASSWORD), "the password shows: {shown}");
        assert!(shown.contains(mechanism) && shown.contains("SASL_SSL"), "{shown}");
    }
}
