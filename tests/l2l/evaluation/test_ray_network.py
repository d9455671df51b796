"""Starting the Ray evaluator contacts nothing beyond loopback (issue 2).

Ray's head start probes cloud-metadata addresses and finds its IP by a UDP connect towards a
public DNS server unless prevented (l2l.evaluation.ray_sandbox). We run a tiny study
evaluation under `strace -f -e trace=connect` and check every connect of every process.
"""

import re
import shutil
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.ray

SCRIPT = textwrap.dedent("""
    import numpy as np
    from l2l.evaluation import RayEvaluator, RayParams
    from l2l.tasks import TestFunctionTask
    with RayEvaluator(RayParams(num_cpus=2)) as ev:
        out = ev.map(TestFunctionTask(name="sphere", dim=3), np.ones((8, 3)), np.arange(8))
    assert [r.score for r in out] == [3.0] * 8
    print("EVALUATED")
""")

_LOCAL = re.compile(
    r"sa_family=AF_UNIX|sa_family=AF_UNSPEC|sa_family=AF_NETLINK"
    r'|inet_addr\("127\.\d+\.\d+\.\d+"\)|inet_pton\(AF_INET6, "(::1|::ffff:127\.\d+\.\d+\.\d+)"'
)


def allowed(line: str) -> bool:
    return bool(_LOCAL.search(line))


def test_classifier_rejects_remote_addresses():
    assert allowed('connect(3, {sa_family=AF_INET, sin_port=htons(1), sin_addr=inet_addr("127.0.0.1")}, 16)')
    assert not allowed(
        'connect(6, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("8.8.8.8")}, 16)'
    )
    assert not allowed(
        'connect(7, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("169.254.169.254")}, 16)'
    )
    assert not allowed(
        'connect(7, {sa_family=AF_INET6, inet_pton(AF_INET6, "::ffff:192.0.2.2", &sin6_addr)}, 28)'
    )


def test_ray_evaluator_connects_only_to_loopback(tmp_path):
    strace = shutil.which("strace")
    assert strace, "strace is required for this test (apt-get install strace; .ci/run installs it)"
    trace = tmp_path / "connect.trace"
    home = tmp_path / "home"
    home.mkdir()
    proc = subprocess.run(
        [strace, "-f", "-e", "trace=connect", "-o", str(trace), sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "HOME": str(home)},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "EVALUATED" in proc.stdout
    connects = [ln for ln in trace.read_text().splitlines() if "connect(" in ln]
    assert len(connects) > 10  # Ray's processes did talk (to each other)
    remote = [ln for ln in connects if not allowed(ln)]
    assert not remote, "connections beyond loopback:\n" + "\n".join(remote[:20])
    assert not (home / ".ray").exists(), "Ray wrote into the user's home"
