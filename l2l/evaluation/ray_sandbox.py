"""Start a local Ray instance that talks to nothing beyond this machine's loopback.

Out of the box, starting a Ray head
- runs a usage-stats module that probes cloud-metadata addresses unless the file
  `~/ray_bootstrap_config.yaml` exists,
- writes `~/.ray/` (an auth token),
- finds "its" IP by a UDP connect towards 8.8.8.8 and binds its servers to that interface.

We give the Ray processes a run-private HOME holding an empty `ray_bootstrap_config.yaml`,
switch usage stats, auth and the dashboard off, and use Ray's own loopback-only switch
(`RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`, which Ray sets on laptops to keep everything on
127.0.0.1). tests/l2l/evaluation/test_ray_network.py proves it under strace.
Only the driver's environment during `ray.init` changes; the user's HOME is restored after.
"""

from __future__ import annotations

import contextlib
import os
import tempfile

LOCAL_ENV = {
    "RAY_USAGE_STATS_ENABLED": "0",
    "RAY_AUTH_MODE": "disabled",
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",  # loopback only: no 8.8.8.8 probe, bind 127.0.0.1
    "RAY_DISABLE_DOCKER_CPU_WARNING": "1",
}


@contextlib.contextmanager
def _temporary_env(values: dict[str, str]):
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def start_local_ray(num_cpus: int) -> str:
    """Start a private local Ray instance; returns its session temp dir."""
    home = tempfile.mkdtemp(prefix="l2l-ray-home-")
    open(os.path.join(home, "ray_bootstrap_config.yaml"), "w").close()
    temp_dir = tempfile.mkdtemp(prefix="l2l-ray-")
    with _temporary_env({**LOCAL_ENV, "HOME": home}):
        import ray
        import ray._private.ray_constants as rc

        # read by Ray at import time; set here too in case Ray was imported before us
        rc.ENABLE_RAY_CLUSTER = False
        ray.init(
            num_cpus=num_cpus,
            include_dashboard=False,
            _node_ip_address="127.0.0.1",
            _temp_dir=temp_dir,
            log_to_driver=True,
            configure_logging=False,
        )
    return temp_dir


def _host(address: str) -> str:
    return address.removeprefix("ray://").rsplit(":", 1)[0].strip("[]")


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def connect_ray(address: str) -> None:
    """Join an existing Ray cluster (`auto`, `host:port` or `ray://host:port`).

    A cluster on loopback (a head started with --node-ip-address=127.0.0.1, as for a study
    on one machine) needs the driver on loopback too: without the switch, Ray would rewrite
    127.0.0.1 to the machine's outward IP, where such a head does not listen.
    """
    import ray
    import ray._private.ray_constants as rc
    from ray._private.services import get_ray_address_from_environment

    resolved = get_ray_address_from_environment(address, None) if address == "auto" else address
    env = {"RAY_USAGE_STATS_ENABLED": "0"}
    if resolved and resolved != "auto" and _is_loopback(_host(resolved)):
        env = LOCAL_ENV
        rc.ENABLE_RAY_CLUSTER = False
    with _temporary_env(env):
        ray.init(address=resolved, configure_logging=False)
