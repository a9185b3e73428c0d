"""deploy/compose.yml stays in step with endpoints.scale.yml (Docker is not run in these tests)."""

from __future__ import annotations

import re

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
    rasa, actions, backend = (services[s]["environment"] for s in ("rasa-a", "actions", "backend"))
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
