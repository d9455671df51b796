"""Checkpoints: intact round trip, corruption detected with fallback, foreign study refused."""

import logging

import pytest

from l2l.results import checkpoint
from l2l.results.atomic import write_bytes


def test_round_trip_and_previous_kept(tmp_path):
    checkpoint.save(tmp_path, {"fingerprint": "f", "generation": 1})
    checkpoint.save(tmp_path, {"fingerprint": "f", "generation": 2})
    assert checkpoint.load(tmp_path, "f")["generation"] == 2
    assert (tmp_path / checkpoint.PREVIOUS).exists()


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage"])
def test_corrupt_checkpoint_falls_back_to_previous_with_warning(tmp_path, caplog, damage):
    checkpoint.save(tmp_path, {"fingerprint": "f", "generation": 1})
    checkpoint.save(tmp_path, {"fingerprint": "f", "generation": 2})
    cur = tmp_path / checkpoint.CURRENT
    blob = cur.read_bytes()
    if damage == "truncate":
        cur.write_bytes(blob[: len(blob) // 2])
    elif damage == "flip":
        cur.write_bytes(blob[:-5] + bytes([blob[-5] ^ 0xFF]) + blob[-4:])
    else:
        cur.write_bytes(b"not a checkpoint at all")
    with caplog.at_level(logging.WARNING, logger="l2l"):
        assert checkpoint.load(tmp_path, "f")["generation"] == 1
    assert "trying the previous checkpoint" in caplog.text


def test_both_corrupt_is_a_clear_error(tmp_path):
    (tmp_path / checkpoint.CURRENT).write_bytes(b"x")
    (tmp_path / checkpoint.PREVIOUS).write_bytes(b"y")
    with pytest.raises(checkpoint.CheckpointError, match="no usable checkpoint"):
        checkpoint.load(tmp_path, "f")


def test_checkpoint_of_another_study_is_refused(tmp_path):
    checkpoint.save(tmp_path, {"fingerprint": "aaaa", "generation": 1})
    with pytest.raises(checkpoint.CheckpointError, match="different study"):
        checkpoint.load(tmp_path, "bbbb")


def test_atomic_write_leaves_no_temporary_files(tmp_path):
    write_bytes(tmp_path / "x.bin", b"12345")
    assert [p.name for p in tmp_path.iterdir()] == ["x.bin"]
