//! The test control plane (livematch_e2e::cluster) is a working Kubernetes:
//! kubectl and kube-rs talk to it, CRDs and custom objects work, the
//! controller-manager's controllers run, and a ServiceAccount's token gets
//! exactly its RBAC.
//!
//! One cluster serves every step (starting one costs ~5 s of a shared CPU),
//! in the order an operator test uses it: CRD first, then the
//! controller-manager.

use std::time::Duration;

use anyhow::{Context, bail};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Secret, ServiceAccount};
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kube::api::{Api, ApiResource, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::core::GroupVersionKind;
use livematch_e2e::cluster::{Cluster, client_for};
use serde_json::json;

/// The field manager every server-side apply in this test uses.
const MANAGER: &str = "livematch-smoke";
/// Namespace for the test's own objects.
const NS: &str = "smoke";
/// Upper bound for anything the control plane does asynchronously.
const ASYNC_TIMEOUT: Duration = Duration::from_secs(30);

const CRD: &str = r"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.smoke.livematch.test
spec:
  group: smoke.livematch.test
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [size]
              properties:
                size: { type: integer, minimum: 1 }
";

#[tokio::test]
async fn control_plane_runs_crds_controllers_and_rbac() -> anyhow::Result<()> {
    let mut cluster = Cluster::start().await?;
    let steps = async {
        kubectl_lists_the_system_namespaces(&cluster).await.context("kubectl get ns")?;
        crd_and_custom_objects_work(&cluster).await.context("CRD and custom object")?;
        cluster.start_controller_manager().await.context("start controller-manager")?;
        deployment_gets_a_replicaset(&cluster).await.context("Deployment -> ReplicaSet")?;
        service_account_has_exactly_its_rbac(&cluster).await.context("ServiceAccount RBAC")?;
        cluster.check_running()
    };
    // On failure, show what the control plane logged.
    steps.await.map_err(|e| anyhow::anyhow!("{e:#}\n\ncontrol-plane logs:\n{}", cluster.logs()))
}

async fn kubectl_lists_the_system_namespaces(cluster: &Cluster) -> anyhow::Result<()> {
    let out = cluster.kubectl_ok(&["get", "ns", "-o", "name"]).await?;
    let names: Vec<&str> = out.lines().collect();
    for ns in ["namespace/default", "namespace/kube-system", "namespace/kube-public"] {
        if !names.contains(&ns) {
            bail!("{ns} missing from `kubectl get ns`: {names:?}");
        }
    }
    Ok(())
}

async fn crd_and_custom_objects_work(cluster: &Cluster) -> anyhow::Result<()> {
    cluster.apply_yaml(CRD).await?;
    cluster
        .kubectl_ok(&["wait", "--for=condition=Established", "crd/widgets.smoke.livematch.test", "--timeout=30s"])
        .await?;
    let client = cluster.client().await;
    let namespaces: Api<Namespace> = Api::all(client.clone());
    namespaces
        .patch(
            NS,
            &PatchParams::apply(MANAGER),
            &Patch::Apply(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}})),
        )
        .await?;

    let resource =
        ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk("smoke.livematch.test", "v1", "Widget"), "widgets");
    let widgets: Api<DynamicObject> = Api::namespaced_with(client, NS, &resource);
    let widget = |size: i64| json!({"apiVersion": "smoke.livematch.test/v1", "kind": "Widget", "metadata": {"name": "w1"}, "spec": {"size": size}});
    let applied = widgets.patch("w1", &PatchParams::apply(MANAGER), &Patch::Apply(widget(3))).await?;
    if applied.data["spec"]["size"] != 3 {
        bail!("applied Widget came back as {:?}", applied.data);
    }
    // Read back through a list and through kubectl (server-side decoding).
    let listed = widgets.list(&ListParams::default()).await?;
    let sizes: Vec<_> = listed.items.iter().map(|w| w.data["spec"]["size"].clone()).collect();
    if sizes != [json!(3)] {
        bail!("listed Widgets have sizes {sizes:?}");
    }
    let size = cluster.kubectl_ok(&["get", "widget", "w1", "-n", NS, "-o", "jsonpath={.spec.size}"]).await?;
    if size != "3" {
        bail!("kubectl reads Widget w1 size as {size:?}");
    }
    // The OpenAPI schema is enforced.
    match widgets.patch("w1", &PatchParams::apply(MANAGER), &Patch::Apply(widget(0))).await {
        Err(kube::Error::Api(status)) if status.code == 422 => Ok(()),
        other => bail!("size 0 violates `minimum: 1` but the apply returned {other:?}"),
    }
}

async fn deployment_gets_a_replicaset(cluster: &Cluster) -> anyhow::Result<()> {
    let client = cluster.client().await;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), NS);
    let manifest = json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "example.invalid/web:1"}]},
            },
        },
    });
    let deployment = deployments.patch("web", &PatchParams::apply(MANAGER).force(), &Patch::Apply(manifest)).await?;
    let managers: Vec<_> =
        deployment.metadata.managed_fields.iter().flatten().filter_map(|m| m.manager.as_deref()).collect();
    if !managers.contains(&MANAGER) {
        bail!("Deployment's field managers are {managers:?}, not {MANAGER}");
    }
    let uid = deployment.metadata.uid.context("Deployment has no uid")?;

    let replica_sets: Api<ReplicaSet> = Api::namespaced(client, NS);
    let replicas = eventually("a ReplicaSet owned by Deployment web", async || {
        let list = replica_sets.list(&ListParams::default().labels("app=web")).await.ok()?;
        list.items.into_iter().find_map(|rs| {
            let owned =
                rs.metadata.owner_references.iter().flatten().any(|o| o.uid == uid && o.controller == Some(true));
            owned.then(|| rs.spec.and_then(|s| s.replicas))
        })
    })
    .await?;
    if replicas != Some(2) {
        bail!("the ReplicaSet wants {replicas:?} replicas, the Deployment 2");
    }
    Ok(())
}

async fn service_account_has_exactly_its_rbac(cluster: &Cluster) -> anyhow::Result<()> {
    let client = cluster.client().await;
    let apply = PatchParams::apply(MANAGER);
    Api::<ServiceAccount>::namespaced(client.clone(), NS)
        .patch(
            "reader",
            &apply,
            &Patch::Apply(json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "reader"}})),
        )
        .await?;
    Api::<Role>::namespaced(client.clone(), NS)
        .patch(
            "read-configmaps",
            &apply,
            &Patch::Apply(json!({
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "Role",
                "metadata": {"name": "read-configmaps"},
                "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list", "watch"]}],
            })),
        )
        .await?;
    Api::<RoleBinding>::namespaced(client.clone(), NS)
        .patch(
            "reader-reads-configmaps",
            &apply,
            &Patch::Apply(json!({
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "RoleBinding",
                "metadata": {"name": "reader-reads-configmaps"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "read-configmaps"},
                "subjects": [{"kind": "ServiceAccount", "name": "reader", "namespace": NS}],
            })),
        )
        .await?;
    let mut cm = ConfigMap::default();
    cm.metadata.name = Some("settings".into());
    Api::<ConfigMap>::namespaced(client, NS).create(&PostParams::default(), &cm).await?;

    let kubeconfig = cluster.service_account_kubeconfig(NS, "reader").await?;
    let reader = client_for(&kubeconfig).await?;
    if reader.default_namespace() != NS {
        bail!("the ServiceAccount kubeconfig's namespace is {}", reader.default_namespace());
    }
    let own: Api<ConfigMap> = Api::default_namespaced(reader.clone());
    let names: Vec<_> =
        own.list(&ListParams::default()).await?.items.into_iter().filter_map(|c| c.metadata.name).collect();
    if !names.iter().any(|n| n == "settings") {
        bail!("the ServiceAccount lists ConfigMaps {names:?}, without settings");
    }
    expect_forbidden(
        "list Secrets in its namespace",
        Api::<Secret>::namespaced(reader.clone(), NS).list(&ListParams::default()).await,
    )?;
    expect_forbidden(
        "list ConfigMaps in namespace default",
        Api::<ConfigMap>::namespaced(reader, "default").list(&ListParams::default()).await,
    )
}

fn expect_forbidden<T: std::fmt::Debug>(what: &str, result: Result<T, kube::Error>) -> anyhow::Result<()> {
    match result {
        Err(kube::Error::Api(status)) if status.code == 403 => Ok(()),
        other => bail!("{what}: expected 403 Forbidden, got {other:?}"),
    }
}

/// Poll `probe` until it yields a value, for up to [`ASYNC_TIMEOUT`].
async fn eventually<T>(what: &str, mut probe: impl AsyncFnMut() -> Option<T>) -> anyhow::Result<T> {
    let deadline = tokio::time::Instant::now() + ASYNC_TIMEOUT;
    loop {
        if let Some(value) = probe().await {
            return Ok(value);
        }
        if tokio::time::Instant::now() >= deadline {
            bail!("no {what} within {ASYNC_TIMEOUT:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
