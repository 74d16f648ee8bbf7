"""Checks what the rendered manifests must agree on with the Kindred server (and an Ingress:
gRPC to the Service's port, clients hashed onto pods, TLS).

Usage: check_manifests.py RENDERED.yaml  (exit 1 with one line per violation)
"""
import sys

import yaml

SERVER_PORT = 50051
SHUTDOWN_GRACE_S = 10      # ServerConfig.DEFAULT_SHUTDOWN_GRACE: calls in flight drain this long
TRANSPORT_WAIT_S = 5       # KindredServer.close: then waits this long for the transport


def main(path: str) -> int:
    docs = [d for d in yaml.safe_load_all(open(path)) if d]
    errors = []
    deployments = [d for d in docs if d["kind"] == "Deployment"]
    services = [d for d in docs if d["kind"] == "Service"]
    if len(deployments) != 1 or len(services) != 1:
        errors.append(f"expected one Deployment and one Service, got {len(deployments)} and {len(services)}")
    for svc in services:
        if svc["spec"].get("clusterIP") != "None":
            errors.append(f"Service {svc['metadata']['name']} must be headless (clusterIP: None) for DNS discovery")
        sel = svc["spec"].get("selector") or {}
        for dep in deployments:
            labels = dep["spec"]["template"]["metadata"].get("labels") or {}
            if not sel or any(labels.get(k) != v for k, v in sel.items()):
                errors.append(f"Service selector {sel} does not select the Deployment's pods {labels}")
    for dep in deployments:
        pod = dep["spec"]["template"]["spec"]
        if not pod.get("securityContext", {}).get("runAsNonRoot"):
            errors.append("the pod must run as non-root (securityContext.runAsNonRoot)")
        for c in pod["containers"]:
            if "command" in c:
                errors.append(f"container {c['name']} must not set command: the image's entrypoint runs the server "
                              f"(its Java, flags and class path; scripts/test-container.sh checks it), got {c['command']}")
            ports = {p["containerPort"] for p in c.get("ports", [])}
            if SERVER_PORT not in ports or f"--port" not in c.get("args", []):
                errors.append(f"container {c['name']} must expose and serve port {SERVER_PORT}")
            for probe in ("readinessProbe", "livenessProbe"):
                p = c.get(probe) or {}
                port = (p.get("grpc") or p.get("tcpSocket") or {}).get("port")
                if port != SERVER_PORT:
                    errors.append(f"{probe} must check the gRPC port {SERVER_PORT}, got {p}")
            pre = ((c.get("lifecycle") or {}).get("preStop") or {}).get("sleep", {}).get("seconds", 0)
            need = pre + SHUTDOWN_GRACE_S + TRANSPORT_WAIT_S
            if pod.get("terminationGracePeriodSeconds", 30) <= need:
                errors.append(f"terminationGracePeriodSeconds {pod.get('terminationGracePeriodSeconds', 30)} must exceed "
                              f"preStop {pre} s + drain {SHUTDOWN_GRACE_S} s + transport {TRANSPORT_WAIT_S} s = {need} s")
            if "limits" not in c.get("resources", {}) or "requests" not in c.get("resources", {}):
                errors.append(f"container {c['name']} needs resource requests and limits")
    for ing in (d for d in docs if d["kind"] == "Ingress"):
        errors += check_ingress(ing, services)
    for e in errors:
        print(f"{path}: {e}", file=sys.stderr)
    return 1 if errors else 0


def check_ingress(ing: dict, services: list) -> list:
    """An Ingress must route gRPC to the server's Service port and keep a client on one pod
    (sessions are sticky): ingress-nginx balances gRPC per call unless the upstream is hashed."""
    errors = []
    name = ing["metadata"]["name"]
    notes = ing["metadata"].get("annotations") or {}
    if notes.get("nginx.ingress.kubernetes.io/backend-protocol") not in ("GRPC", "GRPCS"):
        errors.append(f"Ingress {name}: backend-protocol must be GRPC or GRPCS (the server speaks gRPC)")
    if not notes.get("nginx.ingress.kubernetes.io/upstream-hash-by"):
        errors.append(f"Ingress {name}: needs upstream-hash-by, else a client's calls reach pods without its session")
    ports = {s["metadata"]["name"]: {p.get("name") for p in s["spec"]["ports"]}
                                     | {p["port"] for p in s["spec"]["ports"]}
             for s in services}
    for rule in ing["spec"].get("rules", []):
        for path in rule.get("http", {}).get("paths", []):
            backend = path["backend"]["service"]
            port = backend["port"].get("name", backend["port"].get("number"))
            if port not in ports.get(backend["name"], set()):
                errors.append(f"Ingress {name}: backend {backend['name']}:{port} is not a port of a rendered Service "
                              f"{sorted(ports)}")
    if not ing["spec"].get("tls"):
        errors.append(f"Ingress {name}: gRPC through the ingress needs HTTP/2, i.e. a tls section")
    return errors


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
