"""deploy/compose.yml and deploy/kubernetes/ stay in step with endpoints.scale.yml and pass their
maintained validators (kubernetes-validate; the compose specification's schema through
check-jsonschema). Neither Docker nor a cluster is run in these tests."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import yaml

from bot.processes import ROOT

COMPOSE = yaml.safe_load((ROOT / "deploy" / "compose.yml").read_text(encoding="utf-8"))
ENDPOINTS_TEXT = "\n".join(
    line for line in (ROOT / "endpoints.scale.yml").read_text(encoding="utf-8").splitlines()
    if not line.lstrip().startswith("#")
)
RASA_SERVICES = ("rasa-a", "rasa-b")


def test_every_variable_of_endpoints_scale_is_set_for_each_rasa_instance() -> None:
    named = set(re.findall(r"\$\{([A-Z0-9_]+)\}", ENDPOINTS_TEXT))
    assert named
    for service in RASA_SERVICES:
        env = COMPOSE["services"][service]["environment"]
        assert named <= set(env), (service, named - set(env))


def test_the_rasa_instances_share_one_model_one_tracker_store_and_one_lock_store() -> None:
    a, b = (COMPOSE["services"][s] for s in RASA_SERVICES)
    assert a["command"] == b["command"]
    assert a["environment"] == b["environment"]
    assert "/app/endpoints.scale.yml" in a["command"]
    assert a["environment"]["MINWON_TRACKER_DB_HOST"] in COMPOSE["services"]
    assert a["environment"]["MINWON_REDIS_HOST"] in COMPOSE["services"]


def test_endpoints_scale_uses_shared_stores_and_expandable_variables() -> None:
    config = yaml.safe_load(ENDPOINTS_TEXT)
    assert config["tracker_store"]["dialect"] == "postgresql"
    # Redis, through the lock store whose ticket changes are atomic (bot/lock_store.py)
    assert config["lock_store"]["type"] == "bot.lock_store.AtomicRedisLockStore"
    # Rasa expands ${VAR} only in plain (unquoted) scalars
    assert not re.search(r"[\"']\$\{", ENDPOINTS_TEXT)


def test_the_load_balancer_sends_to_both_instances() -> None:
    nginx = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    for service in RASA_SERVICES:
        assert f"server {service}:5005" in nginx


def _nginx_servers() -> dict[str, dict[str, str]]:
    """listen port -> {location prefix -> its body}, from deploy/nginx.conf."""
    text = re.sub(r"#[^\n]*", "", (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8"))
    servers: dict[str, dict[str, str]] = {}
    for match in re.finditer(r"\bserver\s*\{", text):
        depth, i = 1, match.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        body = text[match.end(): i - 1]
        listen = re.search(r"\blisten\s+(\d+)\s*;", body)
        assert listen, body
        servers[listen.group(1)] = {
            m.group(1): m.group(2) for m in re.finditer(r"location\s+(\S+)\s*\{([^}]*)\}", body)
        }
    return servers


def test_the_published_port_forwards_the_channel_webhooks_alone() -> None:
    published = COMPOSE["services"]["lb"]["ports"]
    assert published == ["127.0.0.1:5005:80"]
    servers = _nginx_servers()
    public = servers["80"]
    proxied = {prefix for prefix, body in public.items() if "proxy_pass" in body}
    assert proxied
    assert all(prefix.startswith("/webhooks/") for prefix in proxied), proxied
    # everything else, Rasa's HTTP API included (/model, /conversations, /status), is a 404
    assert "return 404" in public["/"]
    for api_path in ("/model", "/conversations/", "/status", "/version", "/webhooks"):
        longest = max((p for p in public if api_path.startswith(p)), key=len)
        assert api_path.startswith("/webhooks/") or "return 404" in public[longest], api_path


def test_the_backend_reaches_only_the_conversation_routes_internally() -> None:
    internal = _nginx_servers()["8080"]
    assert {p for p, body in internal.items() if "proxy_pass" in body} == {"/conversations/"}
    assert "return 404" in internal["/"]
    backend_env = COMPOSE["services"]["backend"]["environment"]
    assert backend_env["MINWON_RASA_URL"] == "http://lb:8080"
    assert not any("8080" in port for port in COMPOSE["services"]["lb"]["ports"])


def _all_values(node: object) -> list[str]:
    if isinstance(node, dict):
        return [v for value in node.values() for v in _all_values(value)]
    if isinstance(node, list):
        return [v for value in node for v in _all_values(value)]
    return [str(node)]


SECRET_NAMES = ("MINWON_SERVICE_TOKEN", "MINWON_SECRET_KEY", "MINWON_RASA_TOKEN",
                "MINWON_PG_PASSWORD", "MINWON_REDIS_PASSWORD", "MINWON_KAKAO_SECRET",
                "MINWON_TELEGRAM_SECRET", "MINWON_TELEGRAM_TOKEN", "MINWON_SMS_HTTP_KEY")


def test_compose_holds_no_secret_only_environment_references() -> None:
    for service, config in COMPOSE["services"].items():
        for name, value in (config.get("environment") or {}).items():
            if name in SECRET_NAMES or "PASSWORD" in name:
                assert re.fullmatch(r"\$\{[A-Z_]+:[?-][^}]*\}", str(value)), (service, name)
        command = " ".join(map(str, config.get("command") or []))
        assert "auth-token" not in command
        assert "jwt-secret" not in command
        for secret in ("MINWON_RASA_TOKEN", "MINWON_SERVICE_TOKEN", "MINWON_SECRET_KEY"):
            assert secret not in command, (service, secret)
    # the three secrets every production start needs are required, never defaulted
    text = (ROOT / "deploy" / "compose.yml").read_text(encoding="utf-8")
    for secret in ("MINWON_SERVICE_TOKEN", "MINWON_SECRET_KEY", "MINWON_RASA_TOKEN"):
        assert f"${{{secret}:?" in text
        assert f"${{{secret}:-" not in text
    example = (ROOT / "deploy" / "scale.env.example").read_text(encoding="utf-8")
    assert "change-me" not in example


def test_each_service_gets_only_its_secrets_and_runs_in_production() -> None:
    services = COMPOSE["services"]
    rasa, actions, backend = (services[s]["environment"]
                              for s in ("rasa-a", "actions-a", "backend"))
    assert rasa["MINWON_PROFILE"] == actions["MINWON_PROFILE"] == "production"
    assert backend["MINWON_PROFILE"] == "production"
    assert "MINWON_SERVICE_TOKEN" not in rasa
    assert "MINWON_RASA_TOKEN" in rasa
    assert "MINWON_SECRET_KEY" in rasa  # the tracker store and the web chat's signed ids
    assert "MINWON_RASA_TOKEN" not in actions
    assert "MINWON_SECRET_KEY" not in actions
    assert "MINWON_SERVICE_TOKEN" in actions
    assert rasa["RASA_TELEMETRY_ENABLED"] == "false"


def test_the_rasa_instances_merge_telegram_from_the_environment() -> None:
    command = COMPOSE["services"]["rasa-a"]["command"]
    assert command[:3] == ["python", "-m", "bot.rasa_server"]
    assert command[command.index("--credentials") + 1] == "auto"
    env = COMPOSE["services"]["rasa-a"]["environment"]
    for name in ("MINWON_TELEGRAM_TOKEN", "MINWON_TELEGRAM_SECRET", "MINWON_KAKAO_ENABLED"):
        assert name in env


# --- deploy/kubernetes: checked by kubernetes-validate, the compose file by its JSON schema ----

KUBERNETES = ROOT / "deploy" / "kubernetes"
MANIFESTS = sorted(KUBERNETES.glob("*.yaml"))
BACKEND_BIN = ROOT / ".venvs" / "backend" / "bin"
KUBERNETES_VERSION = "1.30.0"  # the oldest Kubernetes release a district's cluster should run


def _documents() -> list[dict[str, Any]]:
    return [doc for path in MANIFESTS
            for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def _workloads() -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in _documents()
            if d["kind"] in ("Deployment", "StatefulSet")}


def _kubernetes_validate(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BACKEND_BIN / "kubernetes-validate"), "--strict", "-k", KUBERNETES_VERSION,
         *map(str, paths)], capture_output=True, text=True, timeout=300, check=False)


def test_every_kubernetes_manifest_passes_kubernetes_validate(tmp_path: Path) -> None:
    assert len(MANIFESTS) >= 7
    result = _kubernetes_validate(*MANIFESTS)
    assert result.returncode == 0, result.stdout + result.stderr
    passed = re.findall(r"passed for resource (\S+)", result.stdout + result.stderr)
    assert len(passed) == len(_documents()), result.stdout + result.stderr
    # the validator does refuse a wrong manifest: a probe field misspelt, a count as a word
    rasa = (KUBERNETES / "60-rasa.yaml").read_text(encoding="utf-8")
    for wrong, right, said in (("readynessProbe:", "readinessProbe:", "readynessProbe"),
                               ("replicas: two", "replicas: 2", "'two' is not of type")):
        (tmp_path / "broken.yaml").write_text(rasa.replace(right, wrong), encoding="utf-8")
        refused = _kubernetes_validate(tmp_path / "broken.yaml")
        assert refused.returncode != 0
        assert said in refused.stdout + refused.stderr


def test_the_cluster_runs_the_whole_topology_with_probes_and_resource_requests() -> None:
    workloads = _workloads()
    assert set(workloads) == {"postgres", "redis", "backend", "actions", "rasa", "balancer"}
    assert workloads["rasa"]["spec"]["replicas"] >= 2
    assert workloads["actions"]["spec"]["replicas"] >= 2
    for name, workload in workloads.items():
        for container in workload["spec"]["template"]["spec"]["containers"]:
            assert "readinessProbe" in container, name
            assert "livenessProbe" in container, name
            requests = container["resources"]["requests"]
            assert {"cpu", "memory"} <= set(requests), name
            assert "memory" in container["resources"]["limits"], name
    # every workload but PostgreSQL (whose image drops to its own user itself) runs as non-root
    for name, workload in workloads.items():
        if name != "postgres":
            assert workload["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"], name
    # Rasa's GET / answers only once the model is loaded: a start-up probe gives it time
    rasa = workloads["rasa"]["spec"]["template"]["spec"]["containers"][0]
    assert rasa["readinessProbe"]["httpGet"]["path"] == "/"
    startup = rasa["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 300
    services = {d["metadata"]["name"] for d in _documents() if d["kind"] == "Service"}
    assert services == set(workloads)


def test_the_kubernetes_rasa_pods_get_every_variable_of_endpoints_scale() -> None:
    settings = next(d for d in _documents() if d["kind"] == "ConfigMap"
                    and d["metadata"]["name"] == "minwon-settings")["data"]
    rasa = _workloads()["rasa"]["spec"]["template"]["spec"]["containers"][0]
    assert "/app/endpoints.scale.yml" in rasa["command"]
    assert {"configMapRef": {"name": "minwon-settings"}} in rasa["envFrom"]
    provided = set(settings) | {e["name"] for e in rasa["env"]}
    named = set(re.findall(r"\$\{([A-Z0-9_]+)\}", ENDPOINTS_TEXT))
    assert named <= provided, named - provided
    assert settings["MINWON_PROFILE"] == "production"
    assert settings["RASA_TELEMETRY_ENABLED"] == "false"


def test_the_manifests_hold_no_secret_only_references_to_the_secret() -> None:
    documents = _documents()
    assert not [d for d in documents if d["kind"] == "Secret"]
    text = "\n".join(p.read_text(encoding="utf-8") for p in MANIFESTS)
    for workload in _workloads().values():
        for container in workload["spec"]["template"]["spec"]["containers"]:
            for variable in container.get("env", []):
                name = variable["name"]
                if name in SECRET_NAMES or "PASSWORD" in name or name in (
                        "MINWON_TRACKER_DB_PASSWORD", "MINWON_PREVIOUS_SECRET_KEYS"):
                    assert "value" not in variable, name
                    assert variable["valueFrom"]["secretKeyRef"]["name"] == "minwon-secrets"
            assert not any(s in " ".join(container.get("command", []) + container.get("args", []))
                           for s in ("auth-token", "jwt-secret", "requirepass ${", "--requirepass"))
    # each process gets only its own secrets (as in compose)
    env_of = {name: {e["name"] for e in w["spec"]["template"]["spec"]["containers"][0].get("env",
                                                                                          [])}
              for name, w in _workloads().items()}
    assert "MINWON_SERVICE_TOKEN" not in env_of["rasa"]
    assert {"MINWON_RASA_TOKEN", "MINWON_SECRET_KEY"} <= env_of["rasa"]
    assert env_of["actions"] & {"MINWON_RASA_TOKEN", "MINWON_SECRET_KEY"} == set()
    assert "MINWON_SERVICE_TOKEN" in env_of["actions"]
    # every key the manifests take from the Secret is a line of deploy/scale.env (which
    # `kubectl create secret generic minwon-secrets --from-env-file` reads), except optional ones
    example = (ROOT / "deploy" / "scale.env.example").read_text(encoding="utf-8")
    keys = set(re.findall(r"key: (MINWON_[A-Z_]+)", text))
    optional = set(re.findall(r"key: (MINWON_[A-Z_]+), optional: true", re.sub(r"\s+", " ", text)))
    for key in keys - optional:
        assert re.search(rf"^{key}=", example, re.M), key


def test_the_kubernetes_balancer_forwards_the_channel_webhooks_alone() -> None:
    config = next(d for d in _documents() if d["kind"] == "ConfigMap"
                  and d["metadata"]["name"] == "balancer-nginx")["data"]["nginx.conf"]
    assert "server rasa.minwon.svc.cluster.local:5005" in config
    public = re.search(r"listen 8080;(.*?)\n    \}\n    server", config, re.S)
    assert public
    proxied = re.findall(r"location (\S+) \{\s*proxy_pass", public.group(1))
    assert proxied == ["/webhooks/"]
    assert "return 404" in public.group(1)


def test_compose_passes_the_compose_specification_schema(tmp_path: Path) -> None:
    """check-jsonschema with the compose specification's own schema (vendored in it); Docker's
    `docker compose config` is not available here (no Docker engine)."""
    command = [str(BACKEND_BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec"]
    compose = ROOT / "deploy" / "compose.yml"
    result = subprocess.run([*command, str(compose)], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    broken = compose.read_text(encoding="utf-8").replace("restart: unless-stopped",
                                                         "restart: [unless-stopped]", 1)
    (tmp_path / "compose.yml").write_text(broken, encoding="utf-8")
    refused = subprocess.run([*command, str(tmp_path / "compose.yml")], capture_output=True,
                             text=True, timeout=120, check=False)
    assert refused.returncode != 0


def test_compose_runs_two_action_servers_behind_the_balancer() -> None:
    services = COMPOSE["services"]
    assert {"actions-a", "actions-b"} <= set(services)
    assert services["actions-a"]["command"] == services["actions-b"]["command"]
    assert services["rasa-a"]["environment"]["MINWON_ACTION_URL"] == "http://lb:5055/webhook"
    nginx = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    for service in ("actions-a", "actions-b"):
        assert f"server {service}:5055" in nginx
    assert "5055" in _nginx_servers()
    for service in ("rasa-a", "rasa-b", "actions-a", "actions-b", "backend", "lb"):
        assert "healthcheck" in services[service], service
    assert not any("5055" in port for port in services["lb"]["ports"])
