"""The Yin-Yang generator: geometry, balance, distinct reproducible splits, encoding."""

import numpy as np
import pytest

from plasticity_rules.datasets.yinyang import (
    encode_yinyang,
    which_class,
    yinyang,
    yinyang_splits,
)


@pytest.fixture(scope="module")
def splits():
    return yinyang_splits()


def test_split_sizes_and_balanced_classes(splits):
    for x, y, n in [(splits.x_train, splits.y_train, 5000), (splits.x_val, splits.y_val, 1000),
                    (splits.x_test, splits.y_test, 1000)]:
        assert x.shape == (n, 4) and y.shape == (n,)
        counts = np.bincount(y, minlength=3)
        assert counts.size == 3
        # class of each sample drawn uniformly: counts within 4 standard deviations
        sd = np.sqrt(n * (1 / 3) * (2 / 3))
        assert np.all(np.abs(counts - n / 3) < 4 * sd), counts


def test_points_lie_in_the_big_circle_and_labels_follow_the_geometry(splits):
    x, y = splits.x_train[:, 0], splits.x_train[:, 1]
    assert np.all(np.hypot(x - 0.5, y - 0.5) <= 0.5)
    np.testing.assert_allclose(splits.x_train[:, 2:], 1.0 - splits.x_train[:, :2])
    np.testing.assert_array_equal(which_class(x, y), splits.y_train)
    dots = splits.y_train == 2
    d = np.minimum(np.hypot(x - 0.75, y - 0.5), np.hypot(x - 0.25, y - 0.5))
    assert np.all(d[dots] < 0.1) and np.all(d[~dots] >= 0.1)


def test_splits_are_distinct_and_reproducible(splits):
    a = {tuple(r) for r in np.round(splits.x_train, 12)}
    b = {tuple(r) for r in np.round(splits.x_test, 12)}
    c = {tuple(r) for r in np.round(splits.x_val, 12)}
    assert not (a & b) and not (a & c) and not (b & c)
    x2, y2 = yinyang(1000, 40)
    np.testing.assert_array_equal(x2, splits.x_test)
    np.testing.assert_array_equal(y2, splits.y_test)
    with pytest.raises(ValueError, match="distinct seeds"):
        yinyang_splits(seeds=(1, 1, 2))


def test_reference_geometry_on_known_points():
    # centre of the left dot is a dot, the right part of the lower half is yang/yin by design
    assert which_class(np.array(0.25), np.array(0.5)) == 2
    assert which_class(np.array(0.75), np.array(0.5)) == 2
    assert which_class(np.array(0.5), np.array(0.9)) == 1  # upper half, far from right dot
    assert which_class(np.array(0.5), np.array(0.1)) == 0


def test_latency_encoding():
    feats, _ = yinyang(50, 7)
    idx, time = encode_yinyang(feats, t_max_ms=30.0, t_bias_ms=0.0)
    assert idx.shape == time.shape == (50, 5)
    np.testing.assert_allclose(time[:, :4], feats * 30.0)
    assert np.all(time[:, 4] == 0.0) and np.all((time >= 0) & (time <= 30.0))


def test_reference_generator_reproduces_the_published_draw_order():
    # first samples of the reference training set (seed 42), pinned
    x, y = yinyang(3, 42)
    np.testing.assert_allclose(x[:, :2], [[0.68030754, 0.45049925], [0.09767211, 0.68423303],
                                          [0.75536141, 0.42515587]], atol=1e-8)
    np.testing.assert_array_equal(y, [2, 1, 2])
    x2, _ = yinyang(3, 42, generator="pcg64")
    assert not np.allclose(x2, x)
    with pytest.raises(ValueError, match="generator"):
        yinyang(3, 42, generator="mt")
