"""Checkpoints: the state a run needs to continue exactly, written atomically each generation.

File layout: a magic line, the SHA-256 of the payload, then the pickled payload. A file that
fails the check (truncated by a full disk, edited, from another program) is detected; the
previous good checkpoint, kept beside it as `checkpoint.prev.pkl`, is used instead, with a
warning. A checkpoint of a different study (another config fingerprint) is refused.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
from pathlib import Path

from l2l.results.atomic import write_bytes

MAGIC = b"L2L-CHECKPOINT-1\n"
CURRENT = "checkpoint.pkl"
PREVIOUS = "checkpoint.prev.pkl"
log = logging.getLogger("l2l")


class CheckpointError(RuntimeError):
    pass


def save(run_dir: Path, payload: dict) -> None:
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    blob = MAGIC + hashlib.sha256(data).hexdigest().encode() + b"\n" + data
    cur = run_dir / CURRENT
    if cur.exists():
        os.replace(cur, run_dir / PREVIOUS)  # keep the last good one until the new one is in
    write_bytes(cur, blob)


def _read(path: Path) -> dict:
    blob = path.read_bytes()
    if not blob.startswith(MAGIC):
        raise CheckpointError(f"{path}: not an l2l checkpoint (bad header)")
    rest = blob[len(MAGIC) :]
    digest, sep, data = rest.partition(b"\n")
    if not sep or hashlib.sha256(data).hexdigest().encode() != digest:
        raise CheckpointError(f"{path}: checksum mismatch (truncated or corrupt)")
    return pickle.loads(data)


def load(run_dir: Path, fingerprint: str) -> dict:
    """The newest intact checkpoint of this run; refuses one from a different study."""
    errors = []
    for name in (CURRENT, PREVIOUS):
        path = run_dir / name
        if not path.exists():
            continue
        try:
            payload = _read(path)
        except CheckpointError as exc:
            errors.append(str(exc))
            log.warning("%s; trying the previous checkpoint", exc)
            continue
        if payload["fingerprint"] != fingerprint:
            raise CheckpointError(
                f"{path} belongs to a different study (config fingerprint {payload['fingerprint']},"
                f" this config {fingerprint}); resume with the run's own config.yaml, changing only"
                " evaluator, quiet, generations, max_evaluations or target"
            )
        if errors:
            log.warning("resuming from %s", path)
        return payload
    raise CheckpointError(f"no usable checkpoint in {run_dir}: " + ("; ".join(errors) or "none written"))
