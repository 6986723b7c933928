"""Checks that the deploy files (Dockerfile, compose, k8s, Grafana...) agree with the code."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
K8S_BASE = DEPLOY / "k8s" / "base"
PROMETHEUS_FILE = DEPLOY / "prometheus" / "prometheus.yml"
# The operations dashboard keeps the file name compose sets as Grafana's home dashboard.
DASHBOARD_FILE = DEPLOY / "grafana" / "dashboards" / "animo-overview.json"
COMMUNITY_DASHBOARD_FILE = DEPLOY / "grafana" / "dashboards" / "animo-community.json"
DATASOURCE_FILE = DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml"

SERVICES: dict[str, int] = {
    "ingest": 8001,
    "moderation": 8002,
    "publisher": 8003,
    "crm": 8004,
    "reporting": 8005,
}
TOPICS = (
    "animo.mentions.v1",
    "animo.engagement.v1",
    "animo.moderation.v1",
    "animo.posts.v1",
    "animo.crm.v1",
    "animo.alerts.v1",
    "animo.deadletter.v1",
)
METRICS = (
    "animo_http_requests_total",
    "animo_http_request_seconds_bucket",
    "animo_events_consumed_total",
    "animo_events_published_total",
    "animo_events_deadlettered_total",
    "animo_consumer_batch_seconds",
    "animo_consumer_batch_failures_total",
    "animo_consumer_lag_messages",
    "animo_outbox_pending_messages",
)
COMMUNITY_METRICS = (
    "animo_reporting_mentions_total",
    "animo_reporting_own_mentions_total",
    "animo_reporting_negative_share_ratio",
    "animo_reporting_net_sentiment_ratio",
    "animo_reporting_share_of_voice_ratio",
    "animo_reporting_complaints_total",
    "animo_reporting_response_seconds",
    "animo_reporting_open_alerts",
    "animo_reporting_alerts_raised_total",
)
# The variables Animo's settings read; anything else (KAFKA_*, GF_*) is another
# program's business.
ANIMO_ENV_NAME = re.compile(r"^(ANIMO_[A-Z0-9_]+|MONGODB_URL)$")
SECRET_NAME = "animo-secrets"


# --- loading -----------------------------------------------------------------


def load_yaml_documents(path: Path) -> list[Any]:
    with path.open(encoding="utf-8") as stream:
        return [doc for doc in yaml.safe_load_all(stream) if doc is not None]


def load_yaml_documents_many(paths: Iterable[Path]) -> list[Any]:
    return [doc for path in paths for doc in load_yaml_documents(path)]


def deploy_yaml_files() -> list[Path]:
    return sorted(p for p in DEPLOY.rglob("*") if p.suffix in {".yaml", ".yml"} and p.is_file())


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    (document,) = load_yaml_documents(COMPOSE_FILE)
    assert isinstance(document, dict)
    return document


@pytest.fixture(scope="module")
def compose_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    services = compose["services"]
    assert isinstance(services, dict)
    return services


@pytest.fixture(scope="module")
def k8s_objects() -> list[dict[str, Any]]:
    """Every manifest kustomize would apply from the base (the example Secret excluded)."""
    (kustomization,) = load_yaml_documents(K8S_BASE / "kustomization.yaml")
    objects: list[dict[str, Any]] = []
    for resource in kustomization["resources"]:
        objects.extend(load_yaml_documents(K8S_BASE / resource))
    return objects


def k8s_find(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, (
        f"expected one {kind} named {name!r} in deploy/k8s/base, found {len(found)}"
    )
    return found[0]


def environment_names(environment: dict[str, Any] | list[str] | None) -> set[str]:
    """Variable names of a compose `environment`, in either of its two spellings."""
    if environment is None:
        return set()
    if isinstance(environment, dict):
        return set(environment)
    return {entry.split("=", 1)[0] for entry in environment}


def environment_value(environment: dict[str, Any] | list[str], name: str) -> str | None:
    if isinstance(environment, dict):
        value = environment.get(name)
        return None if value is None else str(value)
    for entry in environment:
        key, _, value = entry.partition("=")
        if key == name:
            return value
    return None


def depends_on_names(service: dict[str, Any]) -> dict[str, str]:
    """Dependency name -> condition (short list form means service_started)."""
    depends_on = service.get("depends_on") or {}
    if isinstance(depends_on, list):
        return dict.fromkeys(depends_on, "service_started")
    return {
        name: (spec or {}).get("condition", "service_started") for name, spec in depends_on.items()
    }


def one_shot_services(services: dict[str, dict[str, Any]]) -> set[str]:
    """Jobs others wait to *finish*: a healthcheck means nothing for them."""
    return {
        name
        for service in services.values()
        for name, condition in depends_on_names(service).items()
        if condition == "service_completed_successfully"
    }


def main_module_path(module: str) -> Path:
    match = re.fullmatch(r"animo_([a-z]+)", module)
    assert match, f"{module!r} is not an Animo service module"
    return ROOT / "services" / match.group(1) / "src" / module / "__main__.py"


def known_env_vars() -> set[str]:
    """What the shared settings read, plus each service's own settings class."""
    import importlib

    from animo_shared.settings import known_env_vars as read_known

    services = ("ingest", "moderation", "publisher", "crm", "reporting")
    extra = {
        f"ANIMO_{name.upper()}_": importlib.import_module(f"animo_{name}.config").Settings
        for name in services
    }
    return {name.upper() for name in read_known(extra)}


def pod_containers(deployment: dict[str, Any]) -> list[dict[str, Any]]:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert isinstance(containers, list)
    return containers


def resolve_port(container: dict[str, Any], port: int | str) -> int:
    if isinstance(port, int):
        return port
    for declared in container.get("ports", []):
        if declared.get("name") == port:
            return int(declared["containerPort"])
    raise AssertionError(f"container {container['name']!r} declares no port named {port!r}")


def iter_k8s_env_names(objects: list[dict[str, Any]]) -> Iterator[tuple[str, str]]:
    """(where, name) of every env var a ConfigMap or a Deployment's container sets."""
    for obj in objects:
        where = f"{obj['kind']}/{obj['metadata']['name']}"
        if obj["kind"] == "ConfigMap":
            for name in obj.get("data") or {}:
                yield where, name
        elif obj["kind"] == "Deployment":
            for container in pod_containers(obj):
                for entry in container.get("env") or []:
                    yield where, entry["name"]
    (kustomization,) = load_yaml_documents(K8S_BASE / "kustomization.yaml")
    for generator in kustomization.get("configMapGenerator") or []:
        for literal in generator.get("literals") or []:
            yield f"configMapGenerator/{generator['name']}", literal.split("=", 1)[0]


# --- every file parses -------------------------------------------------------


@pytest.mark.parametrize("path", deploy_yaml_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_deploy_yaml_parses(path: Path) -> None:
    documents = load_yaml_documents(path)
    assert documents, f"{path} holds no YAML document"
    assert all(isinstance(doc, dict) for doc in documents)


def test_deploy_tree_has_the_expected_files() -> None:
    expected = [
        COMPOSE_FILE,
        DOCKERFILE,
        ROOT / ".dockerignore",
        PROMETHEUS_FILE,
        DATASOURCE_FILE,
        DASHBOARD_FILE,
        COMMUNITY_DASHBOARD_FILE,
        K8S_BASE / "kustomization.yaml",
        K8S_BASE / "network-policies.yaml",
        K8S_BASE / "secrets.example.yaml",
        DEPLOY / "k8s" / "overlays" / "production" / "kustomization.yaml",
        *(K8S_BASE / f"{name}.yaml" for name in SERVICES),
    ]
    missing = [str(p.relative_to(ROOT)) for p in expected if not p.is_file()]
    assert not missing


# --- Dockerfile --------------------------------------------------------------


def dockerfile_instruction(name: str) -> list[str]:
    """The JSON-array argument of the last `name` instruction of the final stage."""
    lines = [line.strip() for line in DOCKERFILE.read_text(encoding="utf-8").splitlines()]
    found = [line.split(None, 1)[1] for line in lines if line.upper().startswith(f"{name} ")]
    assert found, f"Dockerfile has no {name}"
    value = json.loads(found[-1])
    assert isinstance(value, list)
    return value


def test_dockerfile_runs_a_python_module_as_a_non_root_user() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim\b|^ARG PYTHON_IMAGE=python:3\.11-slim$", text, re.M)
    assert re.search(r"pip install .*\buv==", text)
    sync = re.findall(r"uv sync [^\n]*", text)
    assert any({"--frozen", "--all-packages", "--no-dev"} <= set(cmd.split()) for cmd in sync)
    assert dockerfile_instruction("ENTRYPOINT") == ["python", "-m"]
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert users, "Dockerfile never drops root"
    assert users[-1].split(":")[0] == "10001"


def test_dockerfile_default_command_is_a_real_service_module() -> None:
    cmd = dockerfile_instruction("CMD")
    assert cmd == ["animo_ingest"]
    assert main_module_path(cmd[0]).is_file(), f"{main_module_path(cmd[0])} does not exist"


def test_dockerfile_copies_every_workspace_manifest() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    for name in SERVICES:
        assert f"services/{name}/pyproject.toml" in text
    assert "shared/pyproject.toml" in text
    assert "uv.lock" in text


# --- docker-compose ----------------------------------------------------------


@pytest.mark.parametrize(("name", "port"), SERVICES.items())
def test_compose_runs_each_service_on_its_port(
    compose_services: dict[str, dict[str, Any]], name: str, port: int
) -> None:
    assert name in compose_services, f"service {name!r} missing from docker-compose.yml"
    service = compose_services[name]
    command = service["command"]
    command = command.split() if isinstance(command, str) else command
    assert command == [f"animo_{name}"]
    assert main_module_path(command[0]).is_file(), f"{main_module_path(command[0])} does not exist"
    environment = service["environment"]
    upper = name.upper()
    assert environment_value(environment, f"ANIMO_{upper}_PORT") == str(port)
    assert environment_value(environment, f"ANIMO_{upper}_HOST") == "0.0.0.0"
    assert environment_value(environment, "ANIMO_ENV") == "production"
    assert environment_value(environment, "ANIMO_KAFKA_BOOTSTRAP") == "kafka:9092"
    mongodb_url = environment_value(environment, "MONGODB_URL")
    assert mongodb_url is not None
    assert mongodb_url.startswith("mongodb://mongo:27017/")
    published = [str(p) for p in service.get("ports", [])]
    assert any(p.endswith(f":{port}") for p in published), published
    healthcheck = " ".join(service["healthcheck"]["test"])
    assert f":{port}/readyz" in healthcheck


@pytest.mark.parametrize("name", SERVICES)
def test_compose_services_wait_for_broker_database_and_topics(
    compose_services: dict[str, dict[str, Any]], name: str
) -> None:
    depends_on = depends_on_names(compose_services[name])
    assert depends_on.get("kafka") == "service_healthy"
    assert depends_on.get("mongo") == "service_healthy"
    assert depends_on.get("topics") == "service_completed_successfully"


def test_compose_env_vars_are_known_settings(compose_services: dict[str, dict[str, Any]]) -> None:
    named = {
        var
        for service in compose_services.values()
        for var in environment_names(service.get("environment"))
        if ANIMO_ENV_NAME.match(var)
    }
    assert named, "compose sets no Animo variable at all"
    unknown = named - known_env_vars()
    assert not unknown, f"compose sets variables no settings class reads: {sorted(unknown)}"


def test_compose_every_long_running_container_has_a_healthcheck(
    compose_services: dict[str, dict[str, Any]],
) -> None:
    jobs = one_shot_services(compose_services)
    for name, service in compose_services.items():
        if name in jobs:
            assert str(service.get("restart", "no")) == "no", f"one-shot {name!r} must not restart"
            continue
        healthcheck = service.get("healthcheck") or {}
        assert not healthcheck.get("disable"), f"{name!r} disables its healthcheck"
        assert healthcheck.get("test"), f"{name!r} has no healthcheck"


def test_compose_depends_on_names_existing_services(
    compose_services: dict[str, dict[str, Any]],
) -> None:
    conditions = {"service_started", "service_healthy", "service_completed_successfully"}
    for name, service in compose_services.items():
        for dependency, condition in depends_on_names(service).items():
            assert dependency in compose_services, f"{name!r} depends on unknown {dependency!r}"
            assert condition in conditions, f"{name!r}: unknown condition {condition!r}"
            if condition == "service_healthy":
                assert compose_services[dependency].get("healthcheck"), (
                    f"{name!r} waits for {dependency!r} to be healthy, but it has no healthcheck"
                )


def test_compose_topic_job_creates_every_topic(compose_services: dict[str, dict[str, Any]]) -> None:
    from animo_shared.events import Topic

    script = json.dumps(compose_services["topics"]["command"])
    for topic in sorted({*TOPICS, *(topic.value for topic in Topic)}):
        assert topic in script, f"the topics job does not create {topic}"
    assert "--partitions 6" in script
    assert "--replication-factor 1" in script


def test_compose_kafka_is_kraft_and_mongo_a_replica_set(
    compose_services: dict[str, dict[str, Any]],
) -> None:
    kafka = compose_services["kafka"]
    assert str(kafka["image"]).startswith("apache/kafka:")
    roles = environment_value(kafka["environment"], "KAFKA_PROCESS_ROLES")
    assert roles is not None
    assert "controller" in roles.split(",")
    mongo = compose_services["mongo"]
    assert str(mongo["image"]).startswith("mongo:7")
    assert "--replSet" in mongo["command"]
    assert "rs.initiate" in json.dumps(mongo["healthcheck"]["test"])


def test_compose_mounts_prometheus_and_grafana_config_that_exists(
    compose_services: dict[str, dict[str, Any]],
) -> None:
    for name in ("prometheus", "grafana"):
        for volume in compose_services[name].get("volumes", []):
            source = str(volume).split(":", 1)[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"


# --- Kubernetes --------------------------------------------------------------


def test_every_kustomization_resource_exists() -> None:
    kustomizations = sorted(DEPLOY.rglob("kustomization.yaml"))
    assert len(kustomizations) >= 2
    for path in kustomizations:
        (kustomization,) = load_yaml_documents(path)
        for resource in kustomization.get("resources") or []:
            target = path.parent / resource
            assert target.is_file() or (target / "kustomization.yaml").is_file(), (
                f"{path.relative_to(ROOT)} lists missing resource {resource!r}"
            )


def test_base_kustomization_lists_every_service_but_no_secret_values() -> None:
    (kustomization,) = load_yaml_documents(K8S_BASE / "kustomization.yaml")
    resources = kustomization["resources"]
    assert kustomization["namespace"] == "animo"
    for name in SERVICES:
        assert f"{name}.yaml" in resources
    assert "network-policies.yaml" in resources
    assert "secrets.example.yaml" not in resources


@pytest.mark.parametrize(("name", "port"), SERVICES.items())
def test_k8s_service_file_runs_the_service_on_its_port(name: str, port: int) -> None:
    objects = load_yaml_documents(K8S_BASE / f"{name}.yaml")
    kinds = {o["kind"] for o in objects}
    assert {"ServiceAccount", "ConfigMap", "Deployment", "Service"} <= kinds

    deployment = k8s_find(objects, "Deployment", name)
    pod = deployment["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == name
    (container,) = pod_containers(deployment)
    assert container["args"] == [f"animo_{name}"]
    assert main_module_path(container["args"][0]).is_file()
    assert [p["containerPort"] for p in container["ports"]] == [port]

    config_maps = [o for o in objects if o["kind"] == "ConfigMap"]
    data = {k: str(v) for cm in config_maps for k, v in (cm.get("data") or {}).items()}
    assert data[f"ANIMO_{name.upper()}_PORT"] == str(port)
    assert data[f"ANIMO_{name.upper()}_HOST"] == "0.0.0.0"
    env_from = {ref["configMapRef"]["name"] for ref in container.get("envFrom", [])}
    assert {cm["metadata"]["name"] for cm in config_maps} <= env_from

    service = k8s_find(objects, "Service", name)
    selector = service["spec"]["selector"]
    assert selector.items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
    (service_port,) = service["spec"]["ports"]
    assert service_port["port"] == port
    assert resolve_port(container, service_port["targetPort"]) == port


@pytest.mark.parametrize("name", SERVICES)
def test_k8s_deployment_has_probes_resources_and_a_locked_down_container(name: str) -> None:
    objects = load_yaml_documents(K8S_BASE / f"{name}.yaml")
    deployment = k8s_find(objects, "Deployment", name)
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod_containers(deployment)
    port = SERVICES[name]

    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        http_get = container[probe]["httpGet"]
        assert http_get["path"] == path
        assert resolve_port(container, http_get["port"]) == port

    for bound in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(container["resources"][bound]), bound

    security = container["securityContext"]
    pod_security = pod.get("securityContext") or {}
    assert security.get("runAsNonRoot", pod_security.get("runAsNonRoot")) is True
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]

    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "/tmp" in mounts
    assert "emptyDir" in volumes[mounts["/tmp"]]


@pytest.mark.parametrize("name", SERVICES)
def test_k8s_secrets_come_from_the_documented_secret(name: str) -> None:
    (example,) = load_yaml_documents(K8S_BASE / "secrets.example.yaml")
    assert example["metadata"]["name"] == SECRET_NAME
    keys = set(example.get("stringData") or example.get("data") or {})
    assert keys == {"admin-key", "mongodb-url"}

    deployment = k8s_find(load_yaml_documents(K8S_BASE / f"{name}.yaml"), "Deployment", name)
    (container,) = pod_containers(deployment)
    refs = {
        entry["name"]: entry["valueFrom"]["secretKeyRef"]
        for entry in container.get("env", [])
        if "secretKeyRef" in entry.get("valueFrom", {})
    }
    assert set(refs) == {"ANIMO_ADMIN_KEY", "MONGODB_URL"}
    for ref in refs.values():
        assert ref["name"] == SECRET_NAME
        assert ref["key"] in keys


def test_k8s_config_maps_hold_no_secrets(k8s_objects: list[dict[str, Any]]) -> None:
    for obj in k8s_objects:
        assert obj["kind"] != "Secret", "secrets are never committed to the base"
        if obj["kind"] == "ConfigMap":
            assert not {"ANIMO_ADMIN_KEY", "MONGODB_URL"} & set(obj.get("data") or {})


def test_k8s_env_vars_are_known_settings(k8s_objects: list[dict[str, Any]]) -> None:
    named = {
        (where, var) for where, var in iter_k8s_env_names(k8s_objects) if ANIMO_ENV_NAME.match(var)
    }
    assert named, "k8s sets no Animo variable at all"
    known = known_env_vars()
    unknown = sorted(f"{where}: {var}" for where, var in named if var not in known)
    assert not unknown, f"k8s sets variables no settings class reads: {unknown}"


def test_k8s_network_policies_deny_by_default_and_open_each_service_port(
    k8s_objects: list[dict[str, Any]],
) -> None:
    policies = [o for o in k8s_objects if o["kind"] == "NetworkPolicy"]
    default_deny = [
        p
        for p in policies
        if p["spec"]["podSelector"] == {}
        and "Ingress" in p["spec"]["policyTypes"]
        and not p["spec"].get("ingress")
    ]
    assert default_deny, "no default-deny ingress policy"

    for name, port in SERVICES.items():
        pod_labels = k8s_find(k8s_objects, "Deployment", name)["spec"]["template"]["metadata"][
            "labels"
        ]
        rules = [
            rule
            for p in policies
            if p["spec"]["podSelector"].get("matchLabels")
            and p["spec"]["podSelector"]["matchLabels"].items() <= pod_labels.items()
            for rule in p["spec"].get("ingress") or []
        ]
        opened = [
            rule for rule in rules if any(p.get("port") == port for p in rule.get("ports", []))
        ]
        assert opened, f"no policy admits traffic to {name} on {port}"
        peers = [peer for rule in opened for peer in rule.get("from", [])]
        assert {"podSelector": {}} in peers, f"{name}: not reachable from its own namespace"
        assert any("namespaceSelector" in peer for peer in peers), (
            f"{name}: Prometheus cannot scrape"
        )


def test_production_overlay_scales_ingest_and_moderation_and_pins_the_image() -> None:
    (overlay,) = load_yaml_documents(
        DEPLOY / "k8s" / "overlays" / "production" / "kustomization.yaml"
    )
    replicas = {entry["name"]: entry["count"] for entry in overlay["replicas"]}
    assert replicas == {"ingest": 2, "moderation": 2}
    (image,) = overlay["images"]
    images_in_base = {
        container["image"].split(":")[0]
        for obj in load_yaml_documents_many(K8S_BASE / f"{n}.yaml" for n in SERVICES)
        if obj["kind"] == "Deployment"
        for container in pod_containers(obj)
    }
    assert images_in_base == {image["name"]}
    assert image["newTag"]
    assert image["newTag"] != "latest"


# --- Prometheus and Grafana --------------------------------------------------


def test_prometheus_scrapes_every_service_on_its_port(
    compose_services: dict[str, dict[str, Any]],
) -> None:
    (config,) = load_yaml_documents(PROMETHEUS_FILE)
    targets = {
        target: job.get("metrics_path", "/metrics")
        for job in config["scrape_configs"]
        for static in job.get("static_configs", [])
        for target in static["targets"]
    }
    for name, port in SERVICES.items():
        target = f"{name}:{port}"
        assert target in targets, f"Prometheus does not scrape {target}"
        assert targets[target] == "/metrics"
    for target in targets:
        host = target.rsplit(":", 1)[0]
        assert host == "localhost" or host in compose_services, (
            f"scrape target {target} is no compose service"
        )


def test_grafana_datasource_points_at_compose_prometheus(
    compose_services: dict[str, dict[str, Any]],
) -> None:
    (provisioning,) = load_yaml_documents(DATASOURCE_FILE)
    (datasource,) = provisioning["datasources"]
    assert datasource["type"] == "prometheus"
    assert datasource["url"] == "http://prometheus:9090"
    assert "prometheus" in compose_services


def dashboard_exprs(path: Path) -> tuple[dict[str, Any], str]:
    """The dashboard, and every PromQL expression in it (panels and template variables)."""
    dashboard = json.loads(path.read_text(encoding="utf-8"))
    (provisioning,) = load_yaml_documents(DATASOURCE_FILE)
    datasource_uid = provisioning["datasources"][0]["uid"]
    exprs = []
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == datasource_uid, panel["title"]
        assert panel["targets"], f"panel {panel['title']!r} queries nothing"
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == datasource_uid, panel["title"]
            exprs.append(target["expr"])
    for variable in dashboard["templating"]["list"]:
        assert variable["datasource"]["uid"] == datasource_uid, variable["name"]
        exprs.append(variable["query"]["query"])
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids)), f"{path.name}: panel ids repeat"
    return dashboard, "\n".join(exprs)


def test_grafana_operations_dashboard_charts_every_animo_metric() -> None:
    dashboard, text = dashboard_exprs(DASHBOARD_FILE)
    assert dashboard["title"] == "Animo operations"
    for metric in METRICS:
        assert metric in text, f"no panel charts {metric}"
    assert "animo_consumer_batch_seconds_bucket" in text, "batch duration is a histogram"


def test_grafana_community_dashboard_charts_the_brand_measures() -> None:
    dashboard, text = dashboard_exprs(COMMUNITY_DASHBOARD_FILE)
    assert dashboard["title"] == "Animo community"
    for metric in COMMUNITY_METRICS:
        assert metric in text, f"no panel charts {metric}"
    # Every replica exports the same stored figures: per brand, take one, never the sum.
    assert "sum by (brand)" not in text
    assert [v["name"] for v in dashboard["templating"]["list"]] == ["brand"]


def test_grafana_dashboards_have_distinct_uids() -> None:
    uids = [
        json.loads(path.read_text(encoding="utf-8"))["uid"]
        for path in sorted((DEPLOY / "grafana" / "dashboards").glob("*.json"))
    ]
    assert len(uids) == 2
    assert len(set(uids)) == len(uids)


def test_grafana_dashboard_provider_reads_the_mounted_folder(
    compose_services: dict[str, dict[str, Any]],
) -> None:
    providers_dir = DEPLOY / "grafana" / "provisioning" / "dashboards"
    paths = {
        provider["options"]["path"]
        for file in providers_dir.glob("*.y*ml")
        for provider in load_yaml_documents(file)[0]["providers"]
    }
    assert paths, "no Grafana dashboard provider"
    mounts = {
        str(v).split(":")[1]: str(v).split(":")[0] for v in compose_services["grafana"]["volumes"]
    }
    for path in paths:
        assert mounts.get(path) == "./deploy/grafana/dashboards", (
            f"provider path {path} is not mounted"
        )
