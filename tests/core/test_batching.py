"""Minibatch sequences: which data points each update sees, for each scheme."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradviz
from gradviz.core.batching import (
    BATCHING_SCHEMES,
    SharedBatches,
    batches,
    check_batch_size,
    place_in_epoch,
)
from gradviz.core.problems import make_problem

FAST = settings(max_examples=40, deadline=None)

# The lecture's batches-and-epochs slide: seed 42, N = 30, B = 5.
SLIDE_BATCHES = [
    [27, 15, 23, 17, 8],
    [9, 28, 24, 12, 0],
    [4, 16, 5, 13, 11],
    [22, 1, 2, 25, 3],
    [21, 26, 18, 29, 20],
    [7, 10, 14, 19, 6],
]


def take(n: int, batch_size: int | None, scheme: str, seed: int, count: int):
    return list(itertools.islice(batches(n, batch_size, scheme, seed), count))


def test_schemes() -> None:
    assert set(BATCHING_SCHEMES) == {"epoch", "notebook", "fixed"}
    assert all(BATCHING_SCHEMES.values())


def test_fixed_reproduces_the_lecture_slide() -> None:
    got = take(30, 5, "fixed", 42, 14)
    epochs = [e for e, _ in got]
    assert epochs == [0] * 6 + [1] * 6 + [2] * 2
    indices = [b.tolist() for _, b in got]
    assert indices[:6] == SLIDE_BATCHES  # epoch 0
    assert indices[6:12] == SLIDE_BATCHES  # epoch 1: the same again
    assert indices[12:] == SLIDE_BATCHES[:2]


@given(n=st.integers(2, 40), b=st.integers(1, 40), seed=st.integers(0, 2**32 - 1))
@FAST
def test_fixed_cuts_one_legacy_permutation(n, b, seed) -> None:
    b = min(b, n - 1) if n > 1 else 1
    order = np.random.RandomState(seed).permutation(n)
    per_epoch = -(-n // b)
    got = take(n, b, "fixed", seed, 2 * per_epoch)
    for k, (epoch, batch) in enumerate(got):
        start = (k % per_epoch) * b
        assert epoch == k // per_epoch
        assert batch.tolist() == order[start : start + b].tolist()


@given(n=st.integers(2, 40), b=st.integers(1, 39), seed=st.integers(0, 2**32 - 1))
@FAST
def test_notebook_draws_a_fresh_legacy_permutation_each_update(n, b, seed) -> None:
    b = min(b, n - 1)
    legacy = np.random.RandomState(seed)
    for t, (epoch, batch) in enumerate(take(n, b, "notebook", seed, 12)):
        assert batch.tolist() == legacy.permutation(n)[:b].tolist()
        assert epoch == (t * b) // n  # no real epochs: floor(t B / N)


def test_notebook_seed_1_matches_np_random_seed() -> None:
    # The notebooks call np.random.seed(1) once, then permutation(N)[0:B] per step.
    state = np.random.get_state()
    try:
        np.random.seed(1)
        expected = [np.random.permutation(30)[0:5].tolist() for _ in range(81)]
    finally:
        np.random.set_state(state)
    assert [b.tolist() for _, b in take(30, 5, "notebook", 1, 81)] == expected


@given(n=st.integers(2, 40), b=st.integers(1, 39), seed=st.integers(0, 2**32 - 1))
@FAST
def test_epoch_uses_a_fresh_default_rng_permutation_per_epoch(n, b, seed) -> None:
    b = min(b, n - 1)
    rng = np.random.default_rng(seed)
    per_epoch = -(-n // b)
    got = take(n, b, "epoch", seed, 3 * per_epoch)
    for epoch in range(3):
        order = rng.permutation(n)
        chunk = got[epoch * per_epoch : (epoch + 1) * per_epoch]
        assert [e for e, _ in chunk] == [epoch] * per_epoch
        expected = [order[s : s + b].tolist() for s in range(0, n, b)]
        assert [batch.tolist() for _, batch in chunk] == expected
        # Every index exactly once per epoch.
        assert sorted(np.concatenate([batch for _, batch in chunk]).tolist()) == list(range(n))


def test_epoch_keeps_a_short_last_batch() -> None:
    got = take(12, 5, "epoch", 0, 6)
    assert [len(b) for _, b in got] == [5, 5, 2, 5, 5, 2]
    assert [e for e, _ in got] == [0, 0, 0, 1, 1, 1]
    first, second = (np.concatenate([b for _, b in got[k : k + 3]]) for k in (0, 3))
    assert sorted(first.tolist()) == sorted(second.tolist()) == list(range(12))
    assert first.tolist() != second.tolist()  # a fresh permutation each epoch


@pytest.mark.parametrize("scheme", sorted(BATCHING_SCHEMES))
@pytest.mark.parametrize("batch_size", [None, 12])
def test_full_batch_sees_everything_in_order(scheme, batch_size) -> None:
    got = take(12, batch_size, scheme, 3, 4)
    assert [e for e, _ in got] == [0, 1, 2, 3]  # each update is its own epoch
    for _, batch in got:
        assert batch.tolist() == list(range(12))
        assert not batch.flags.writeable


@pytest.mark.parametrize("scheme", sorted(BATCHING_SCHEMES))
def test_same_seed_same_sequence_other_seed_other_sequence(scheme) -> None:
    a = [b.tolist() for _, b in take(30, 5, scheme, 7, 20)]
    assert a == [b.tolist() for _, b in take(30, 5, scheme, 7, 20)]
    assert a != [b.tolist() for _, b in take(30, 5, scheme, 8, 20)]


@pytest.mark.parametrize("scheme", sorted(BATCHING_SCHEMES))
def test_batches_are_valid_indices(scheme) -> None:
    for _, batch in take(30, 7, scheme, 2, 25):
        assert batch.dtype.kind == "i"
        assert len(set(batch.tolist())) == len(batch)  # no repeats within a batch
        assert 0 <= batch.min() and batch.max() < 30


@pytest.mark.parametrize(
    ("batch_size", "match"),
    [
        (0, "between 1 and 30"),
        (-5, "between 1 and 30"),
        (31, "between 1 and 30"),
        (2.5, "whole number"),
        (5.0, "whole number"),
        (True, "whole number"),
        ("5", "whole number"),
    ],
)
@pytest.mark.parametrize("scheme", sorted(BATCHING_SCHEMES))
def test_bad_batch_sizes_raise_at_once(scheme, batch_size, match) -> None:
    with pytest.raises(ValueError, match=match):
        batches(30, batch_size, scheme, 0)
    with pytest.raises(ValueError, match=match):
        check_batch_size(batch_size, 30)


def test_numpy_integer_batch_size_is_accepted() -> None:
    got = take(30, np.int64(5), "epoch", 0, 1)
    assert len(got[0][1]) == 5


def test_unknown_scheme() -> None:
    with pytest.raises(ValueError, match="unknown batching 'shuffle'.*epoch"):
        batches(30, 5, "shuffle")


def test_shared_batches_give_each_run_its_own_sequence() -> None:
    specs = [(5, "epoch", 0), (7, "fixed", 42), (5, "epoch", 0), (3, "notebook", 1)]
    shared = SharedBatches.of(30, specs)
    assert len(shared.streams) == 3 and shared.stream_of.tolist() == [0, 1, 0, 2]
    drawn = shared.draw(12)
    for run, spec in enumerate(specs):
        epochs, indices = drawn[shared.stream_of[run]]
        expected = take(30, *spec, 12)
        assert epochs.tolist() == [e for e, _ in expected]
        assert [b.tolist() for b in indices] == [b.tolist() for _, b in expected]


def test_kept_runs_go_on_where_their_sequences_were() -> None:
    specs = [(5, "epoch", 0), (7, "fixed", 42), (3, "notebook", 1)]
    shared = SharedBatches.of(30, specs)
    shared.draw(4)
    kept = shared.keep(np.array([False, True, True]))
    assert kept.stream_of.tolist() == [0, 1]
    later = kept.draw(3)
    for (epochs, indices), spec in zip(later, specs[1:]):
        expected = take(30, *spec, 7)[4:]
        assert epochs.tolist() == [e for e, _ in expected]
        assert [b.tolist() for b in indices] == [b.tolist() for _, b in expected]


@given(
    n=st.integers(1, 40), b=st.integers(1, 40), scheme=st.sampled_from(sorted(BATCHING_SCHEMES)),
    seed=st.integers(0, 2**32 - 1), draws=st.lists(st.integers(0, 30), min_size=1, max_size=6),
)
@FAST
def test_a_stream_drawn_many_updates_at_a_time_is_the_sequence(n, b, scheme, seed, draws) -> None:
    # Draws of any sizes, one after the other, cut the one sequence batches() yields.
    b = min(b, n)
    shared = SharedBatches.of(n, [(b, scheme, seed)])
    epochs, indices = [], []
    for updates in draws:
        (got_epochs, got_indices), = shared.draw(updates)
        assert len(got_epochs) == len(got_indices) == updates
        epochs += got_epochs.tolist()
        indices += [batch.tolist() for batch in got_indices]
    expected = take(n, b, scheme, seed, sum(draws))
    assert epochs == [e for e, _ in expected]
    assert indices == [batch.tolist() for _, batch in expected]


def test_a_large_draw_holds_views_not_copies() -> None:
    # 256 updates of B = 4,000 on 8,000 points would copy a million indices: views instead.
    (_, indices), = SharedBatches.of(8_000, [(4_000, "epoch", 0)]).draw(256)
    assert isinstance(indices, list) and all(batch.base is not None for batch in indices)


def test_place_in_epoch_counts_epochs_and_batches_from_zero_as_the_slide() -> None:
    # Scene 6: 30 points, batches of 5, the fixed permutation: 6 updates an epoch.
    path = gradviz.run(make_problem("gabor"), gradviz.RunSettings(
        "sgd", {"lr": 0.4}, batch_size=5, batching="fixed", seed=42, steps=13))
    assert [place_in_epoch(path.epoch, k) for k in (1, 6, 7, 12, 13)] == [
        (0, 0), (0, 5), (1, 0), (1, 5), (2, 0)]
    # Full batch: each update is a whole epoch, update k the epoch k - 1.
    full = gradviz.run(make_problem("linear"), gradviz.RunSettings("gd", steps=4))
    assert [place_in_epoch(full.epoch, k) for k in range(1, 5)] == [(k - 1, 0) for k in range(1, 5)]
