//! A mocked Kubernetes API server for reconcile unit tests (the
//! controller-rs `fixtures.rs` pattern): the reconciler talks to a
//! `tower-test` mock service, and the test scripts the requests it expects,
//! in order, with the answers to give. A request the script does not expect
//! fails the test, and so does a script left unfinished.

use std::sync::Arc;
use std::time::Duration;

use http::{Method, Request, Response, StatusCode};
use k8s_openapi::api::apps::v1::{Deployment, DeploymentStatus};
use kube::client::Body;
use kube::runtime::reflector::{self, Store};
use kube::runtime::watcher;
use prometheus_client::registry::Registry;
use serde_json::Value;
use tower_test::mock::{self, SendResponse};

use crate::cache::{FakeCache, Lobby};
use crate::config::WorkerDefaults;
use crate::context::{Backends, Context, Settings};
use crate::events::RecordingEvents;
use crate::metrics::Metrics;
use crate::topics::FakeTopics;

type Handle = mock::Handle<Request<Body>, Response<Body>>;

/// One request the reconciler made.
#[derive(Debug)]
pub struct Call {
    /// HTTP method.
    pub method: Method,
    /// URI path.
    pub path: String,
    /// URI query string.
    pub query: String,
    /// JSON body (`Null` when empty).
    pub body: Value,
    respond: SendResponse<Response<Body>>,
}

impl Call {
    /// Answer with `code` and the JSON `body`.
    pub fn reply(self, code: u16, body: &Value) {
        let response = Response::builder()
            .status(StatusCode::from_u16(code).expect("status code"))
            .header("content-type", "application/json")
            .body(Body::from(serde_json::to_vec(body).expect("json")))
            .expect("response");
        self.respond.send_response(response);
    }

    /// Answer 200 with the request's own body (what an apply returns, give
    /// or take server defaults).
    pub fn echo(self) {
        let body = self.body.clone();
        self.reply(200, &body);
    }

    /// Answer 404 Not Found.
    pub fn not_found(self) {
        self.reply(
            404,
            &serde_json::json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": "not found", "reason": "NotFound", "code": 404}),
        );
    }
}

/// The scripted API server.
pub struct ApiServer {
    handle: Handle,
    patience: Duration,
}

impl ApiServer {
    /// Wait this long for each request (default 5 s; longer for tests
    /// with paused time, where the code under test sleeps between calls).
    #[must_use]
    pub fn with_patience(mut self, patience: Duration) -> Self {
        self.patience = patience;
        self
    }

    /// The next request, failing the test if none comes in time.
    pub async fn next(&mut self) -> Call {
        let (request, respond) = tokio::time::timeout(self.patience, self.handle.next_request())
            .await
            .expect("the code under test made no further request in time")
            .expect("the client was dropped before the expected request");
        let (parts, body) = request.into_parts();
        let bytes = body.collect_bytes().await.expect("request body");
        let body = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).expect("JSON body") };
        Call {
            method: parts.method,
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().unwrap_or_default().to_owned(),
            body,
            respond,
        }
    }

    /// The next request, asserting its method and path.
    pub async fn expect(&mut self, method: Method, path: &str) -> Call {
        let call = self.next().await;
        assert_eq!((&call.method, call.path.as_str()), (&method, path), "unexpected request {call:?}");
        call
    }

    /// Assert the reconciler makes no other request (call after the
    /// context, and with it the client, is dropped).
    pub async fn done(mut self) {
        match tokio::time::timeout(self.patience, self.handle.next_request()).await {
            Ok(None) => {}
            Ok(Some((request, _))) => panic!("unexpected request {} {}", request.method(), request.uri()),
            Err(_) => panic!("the client was not dropped"),
        }
    }

    /// Answer every further request with `code` until the client is dropped.
    pub async fn fail_all(mut self, code: u16) -> usize {
        let mut count = 0;
        while let Some((_, respond)) = self.handle.next_request().await {
            count += 1;
            let call =
                Call { method: Method::GET, path: String::new(), query: String::new(), body: Value::Null, respond };
            call.reply(
                code,
                &serde_json::json!({"kind": "Status", "apiVersion": "v1", "metadata": {},
                "status": "Failure", "message": "injected", "reason": "InternalError", "code": code}),
            );
        }
        count
    }
}

/// A client whose requests the returned [`ApiServer`] answers.
pub fn mock_client() -> (kube::Client, ApiServer) {
    let (service, handle) = mock::pair::<Request<Body>, Response<Body>>();
    (kube::Client::new(service, "default"), ApiServer { handle, patience: Duration::from_secs(5) })
}

/// The fakes behind a test context, kept to inspect them.
pub struct Fakes {
    /// Kafka topics.
    pub topics: Arc<FakeTopics>,
    /// Redis.
    pub cache: Arc<FakeCache>,
    /// The shared lobby copy.
    pub lobby: Lobby,
    /// Events published.
    pub events: Arc<RecordingEvents>,
}

/// A context whose client talks to the returned [`ApiServer`], with fake
/// backends and `children` in the Deployment cache.
pub fn context(settings: Settings, children: Vec<Deployment>) -> (Arc<Context>, ApiServer, Fakes) {
    let (client, server) = mock_client();
    let fakes = Fakes {
        topics: Arc::new(FakeTopics::default()),
        cache: Arc::new(FakeCache::default()),
        lobby: Lobby::default(),
        events: Arc::new(RecordingEvents::default()),
    };
    let backends = Backends {
        topics: fakes.topics.clone(),
        cache: fakes.cache.clone(),
        lobby: fakes.lobby.clone(),
        events: fakes.events.clone(),
        metrics: Metrics::register(&mut Registry::default()),
    };
    let ctx = Context::new(client, WorkerDefaults::default(), settings, backends, store_of(children));
    (Arc::new(ctx), server, fakes)
}

/// A reflector store holding `objects`.
pub fn store_of(objects: Vec<Deployment>) -> Store<Deployment> {
    let (reader, mut writer) = reflector::store::<Deployment>();
    writer.apply_watcher_event(&watcher::Event::Init);
    for object in objects {
        writer.apply_watcher_event(&watcher::Event::InitApply(object));
    }
    writer.apply_watcher_event(&watcher::Event::InitDone);
    reader
}

/// `desired` as the API server would hold it: server fields and defaults
/// added, `ready` replicas ready.
pub fn served(desired: &Deployment, ready: i32) -> Deployment {
    let mut d = desired.clone();
    d.metadata.uid = Some(format!("uid-{}", d.metadata.name.clone().unwrap_or_default()));
    d.metadata.resource_version = Some("1".to_owned());
    d.metadata.generation = Some(1);
    if let Some(spec) = d.spec.as_mut() {
        spec.progress_deadline_seconds = Some(600);
        if let Some(pod) = spec.template.spec.as_mut() {
            pod.restart_policy = Some("Always".to_owned());
            pod.dns_policy = Some("ClusterFirst".to_owned());
            for c in &mut pod.containers {
                c.termination_message_path = Some("/dev/termination-log".to_owned());
            }
        }
    }
    let replicas = d.spec.as_ref().and_then(|s| s.replicas);
    d.status = Some(DeploymentStatus {
        replicas,
        ready_replicas: Some(ready),
        available_replicas: Some(ready),
        observed_generation: Some(1),
        ..DeploymentStatus::default()
    });
    d
}
