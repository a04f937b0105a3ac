"""Exact Gaussian-kernel ridge classifier (scatkit.learn.GaussianKernelRidgeClassifier)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("sklearn")

from scatkit.learn import GaussianKernelRidgeClassifier  # noqa: E402
from scatkit.learn.kernel_ridge import (cholesky_solve_kernel, gaussian_kernel_block,  # noqa: E402
                                        median_gamma)


def _data(n=120, d=6, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.integers(0, classes, n)


def _onehot(y, classes):
    Y = -np.ones((len(y), len(classes)))
    Y[np.arange(len(y)), np.searchsorted(classes, y)] = 1.0
    return Y


def test_parity_with_sklearn_kernel_ridge():
    """Dual coefficients and scores equal scikit-learn's KernelRidge on +-1 targets."""
    from sklearn.kernel_ridge import KernelRidge

    X, y = _data()
    clf = GaussianKernelRidgeClassifier(gamma=0.2, alpha=0.05, dtype="float64").fit(X, y)
    ref = KernelRidge(alpha=0.05, kernel="rbf", gamma=0.2).fit(X, _onehot(y, clf.classes_))
    np.testing.assert_allclose(clf.dual_coef_, ref.dual_coef_, rtol=1e-9, atol=1e-10)
    Xt, _ = _data(40, seed=1)
    np.testing.assert_allclose(clf.decision_function(Xt), ref.predict(Xt), rtol=1e-9, atol=1e-10)
    np.testing.assert_array_equal(clf.predict(Xt), clf.classes_[ref.predict(Xt).argmax(1)])


def test_float32_close_to_float64_and_blocks_do_not_matter():
    X, y = _data(200)
    f64 = GaussianKernelRidgeClassifier(gamma=0.1, alpha=0.1, dtype="float64").fit(X, y)
    f32 = GaussianKernelRidgeClassifier(gamma=0.1, alpha=0.1).fit(X, y)
    blk = GaussianKernelRidgeClassifier(gamma=0.1, alpha=0.1, block_size=7).fit(X, y)
    assert f32.dual_coef_.dtype == np.float32
    s64 = f64.decision_function(X)
    np.testing.assert_allclose(f32.decision_function(X), s64, atol=1e-3 * np.abs(s64).max())
    s32 = f32.decision_function(X)
    np.testing.assert_allclose(blk.decision_function(X), s32, atol=1e-4 * np.abs(s32).max())


def test_separates_what_a_linear_model_cannot():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 2))
    y = np.where(np.hypot(X[:, 0], X[:, 1]) > 1.2, "out", "in")
    clf = GaussianKernelRidgeClassifier(alpha=0.01).fit(X[:200], y[:200])
    assert clf.score(X[200:], y[200:]) > 0.9
    # two classes: one score per sample, positive for classes_[1]
    s = clf.decision_function(X[200:])
    assert s.shape == (100,)
    np.testing.assert_array_equal(clf.predict(X[200:]), clf.classes_[(s > 0).astype(int)])


@settings(max_examples=20, deadline=None)
@given(scale=st.floats(0.1, 10.0), seed=st.integers(0, 2**16))
def test_median_width_scales_with_the_data(scale, seed):
    """gamma from the median heuristic is 1 / median squared distance: it scales as
    1/c^2 when the data scale by c, so predictions do not change."""
    X, y = _data(60, seed=seed)
    a = GaussianKernelRidgeClassifier(dtype="float64").fit(X, y)
    b = GaussianKernelRidgeClassifier(dtype="float64").fit(scale * X, y)
    assert np.isclose(b.gamma_, a.gamma_ / scale**2, rtol=1e-9)
    np.testing.assert_allclose(b.decision_function(scale * X), a.decision_function(X),
                               rtol=1e-6, atol=1e-8)


def test_median_gamma_against_all_pairs():
    X, _ = _data(80)
    d2 = ((X[:, None] - X[None]) ** 2).sum(-1)[np.triu_indices(80, 1)]
    assert np.isclose(median_gamma(X, n_pairs=200000), 1 / np.median(d2), rtol=0.03)


def test_training_order_does_not_matter():
    X, y = _data()
    perm = np.random.default_rng(3).permutation(len(X))
    a = GaussianKernelRidgeClassifier(gamma=0.3, dtype="float64").fit(X, y)
    b = GaussianKernelRidgeClassifier(gamma=0.3, dtype="float64").fit(X[perm], y[perm])
    np.testing.assert_allclose(a.decision_function(X), b.decision_function(X), atol=1e-9)


def test_kernel_block_is_the_gaussian_of_distances():
    A, _ = _data(9, 4)
    B, _ = _data(5, 4, seed=2)
    d2 = ((A[:, None] - B[None]) ** 2).sum(-1)
    np.testing.assert_allclose(gaussian_kernel_block(A, B, 0.7), np.exp(-0.7 * d2), rtol=1e-12)
    # a point's kernel with itself is 1 to rounding (the distance is clipped at 0)
    np.testing.assert_allclose(np.diag(gaussian_kernel_block(A, A, 3.0)), 1.0, rtol=1e-12)
    assert np.all(gaussian_kernel_block(A, A, 3.0) <= 1.0)


def test_fit_kernel_has_a_unit_diagonal():
    from scatkit.learn.kernel_ridge import _lower_kernel, squared_norms

    X = np.random.default_rng(0).standard_normal((50, 7)).astype(np.float32) * 30
    K = _lower_kernel(X[:, None], 1e-3, squared_norms(X)[:, None], block=16)
    assert np.all(np.diag(K) == 1.0)
    ref = gaussian_kernel_block(X.astype(np.float64), X.astype(np.float64), 1e-3)
    np.testing.assert_allclose(np.tril(K), np.tril(ref), atol=1e-4)


def test_cholesky_solve_uses_the_lower_triangle_only():
    rng = np.random.default_rng(0)
    M = rng.standard_normal((30, 30))
    S = M @ M.T / 30
    Y = rng.standard_normal((30, 2))
    ref = np.linalg.solve(S + 0.5 * np.eye(30), Y)
    for block in (1, 7, 30, 64):  # one block, several, uneven, one element
        K = np.tril(S) + np.triu(np.full((30, 30), np.nan), 1)  # garbage above the diagonal
        A = cholesky_solve_kernel(np.ascontiguousarray(K), Y, 0.5, block_size=block)
        np.testing.assert_allclose(A, ref, rtol=1e-9)
    # K holds the Cholesky factor afterwards
    K = S.copy()
    cholesky_solve_kernel(K, Y, 0.5, block_size=8)
    np.testing.assert_allclose(np.tril(K) @ np.tril(K).T, S + 0.5 * np.eye(30), rtol=1e-9,
                               atol=1e-12)
    with pytest.raises(ValueError, match="C-contiguous"):
        cholesky_solve_kernel(np.asfortranarray(S), Y, 0.5)
    with pytest.raises(ValueError, match="Y must have shape"):
        cholesky_solve_kernel(np.ascontiguousarray(S), Y[:5], 0.5)


@pytest.mark.parametrize("kwargs, match", [
    (dict(alpha=0.0), "alpha must be a positive"),
    (dict(alpha=-1), "alpha must be a positive"),
    (dict(gamma="mean"), "gamma must be a positive"),
    (dict(gamma=0), "gamma must be a positive"),
    (dict(gamma_scale=True), "gamma_scale must be a positive"),
    (dict(dtype="float16"), "dtype must be"),
    (dict(block_size=0), "block_size must be >= 1"),
    (dict(block_size=2.5), "block_size must be an integer"),
])
def test_bad_parameters(kwargs, match):
    X, y = _data()
    with pytest.raises((ValueError, TypeError), match=match):
        GaussianKernelRidgeClassifier(**kwargs).fit(X, y)


def test_bad_input():
    from sklearn.exceptions import NotFittedError

    X, y = _data()
    with pytest.raises(NotFittedError):
        GaussianKernelRidgeClassifier().predict(X)
    with pytest.raises(ValueError, match="at least 2 classes"):
        GaussianKernelRidgeClassifier().fit(X, np.zeros(len(X)))
    clf = GaussianKernelRidgeClassifier().fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :3])
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        GaussianKernelRidgeClassifier().fit(Xn, y)
    with pytest.raises(ValueError, match="at least 2 samples"):
        median_gamma(np.ones((1, 3)))
    with pytest.raises(ValueError, match="median squared distance"):
        GaussianKernelRidgeClassifier().fit(np.ones((10, 3)), np.arange(10) % 2)


def test_singular_kernel_says_what_to_change():
    """Identical samples make the float32 kernel singular at a tiny penalty."""
    from numpy.linalg import LinAlgError

    X = np.vstack([np.ones((5, 3)), np.zeros((5, 3))])
    y = np.repeat([0, 1], 5)
    for block in (3, 2048):  # the failing minor in a later block, or in the only one
        with pytest.raises(LinAlgError, match="increase alpha"):
            GaussianKernelRidgeClassifier(gamma=1.0, alpha=1e-12, block_size=block).fit(X, y)
    # a reasonable penalty fits the same data
    assert GaussianKernelRidgeClassifier(gamma=1.0, alpha=0.1).fit(X, y).score(X, y) == 1.0


# -- views: the kernel averaged over pairs of transformed copies ----------------------
def _views_reference(Xtr, ytr, Xte, gamma, alpha, V):
    """The view-averaged kernel ridge in float64, from its definition."""
    A = Xtr.reshape(len(Xtr), V, -1).astype(np.float64)
    B = Xte.reshape(len(Xte), V, -1).astype(np.float64)

    def k(P, Q):
        d2 = ((P[:, None, :, None, :] - Q[None, :, None, :, :]) ** 2).sum(-1)  # n, m, V, V
        return np.exp(-gamma * d2).mean((2, 3))

    classes = np.unique(ytr)
    Y = np.where(ytr[:, None] == classes[None], 1.0, -1.0)
    coef = np.linalg.solve(k(A, A) + alpha * np.eye(len(A)), Y)
    return k(B, A) @ coef


@pytest.mark.parametrize("V", [2, 3])
def test_views_match_the_definition(V):
    rng = np.random.default_rng(V)
    X = rng.standard_normal((70, 4 * V))
    y = rng.integers(0, 3, 70)
    clf = GaussianKernelRidgeClassifier(gamma=0.15, alpha=0.05, n_views=V, dtype="float64",
                                        block_size=16).fit(X[:50], y[:50])
    ref = _views_reference(X[:50], y[:50], X[50:], 0.15, 0.05, V)
    np.testing.assert_allclose(clf.decision_function(X[50:]), ref, rtol=1e-9, atol=1e-12)
    assert clf.X_fit_.shape == (50, V, 4)


def test_one_view_is_the_plain_kernel():
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((60, 5)), rng.integers(0, 2, 60)
    a = GaussianKernelRidgeClassifier(gamma=0.2, dtype="float64").fit(X, y)
    b = GaussianKernelRidgeClassifier(gamma=0.2, dtype="float64", n_views=1).fit(X, y)
    np.testing.assert_array_equal(a.decision_function(X), b.decision_function(X))
    ref = _views_reference(X, y, X, 0.2, 0.1, 1)
    np.testing.assert_allclose(a.decision_function(X), ref[:, 1] - ref[:, 0], rtol=1e-9,
                               atol=1e-12)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), V=st.integers(2, 3))
def test_views_make_the_classifier_invariant_to_their_order(seed, V):
    """Permuting the views of any sample (train or test) changes no score: the kernel
    is that of the mean of the views' embeddings."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((40, V, 3))
    y = np.arange(40) % 3

    def shuffled(Z):
        return np.stack([z[rng.permutation(V)] for z in Z]).reshape(len(Z), -1)

    kw = dict(gamma=0.3, alpha=0.1, n_views=V, dtype="float64")
    a = GaussianKernelRidgeClassifier(**kw).fit(X[:30].reshape(30, -1), y[:30])
    b = GaussianKernelRidgeClassifier(**kw).fit(shuffled(X[:30]), y[:30])
    np.testing.assert_allclose(a.decision_function(X[30:].reshape(10, -1)),
                               b.decision_function(shuffled(X[30:])), rtol=1e-9, atol=1e-12)


def test_views_kernel_is_positive_semidefinite_for_unrelated_views():
    from scatkit.learn.kernel_ridge import view_kernel_block

    rng = np.random.default_rng(3)
    X = rng.standard_normal((80, 2, 6))  # views with no relation to each other
    K = view_kernel_block(X, X, 0.2)
    np.testing.assert_allclose(K, K.T, rtol=1e-12)
    assert np.linalg.eigvalsh(K).min() > -1e-10


def test_views_must_divide_the_features():
    X, y = np.zeros((10, 5)), np.arange(10) % 2
    with pytest.raises(ValueError, match="not a multiple of n_views=2"):
        GaussianKernelRidgeClassifier(n_views=2, gamma=1.0).fit(X, y)
    with pytest.raises(ValueError, match="n_views must be >= 1"):
        GaussianKernelRidgeClassifier(n_views=0).fit(X, y)


@pytest.mark.parametrize("V", [1, 2])
def test_validation_errors_equal_separate_fits(V):
    """One pass over the grid gives each classifier's own validation error."""
    from scatkit.learn.kernel_ridge import validation_errors

    rng = np.random.default_rng(V)
    centres = rng.standard_normal((3, 4 * V))
    y = rng.integers(0, 3, 130)
    X = (centres[y] + 0.9 * rng.standard_normal((130, 4 * V))).astype(np.float32)
    scales, alphas = (0.5, 2.0), (0.01, 1.0)
    errs = validation_errors(X[:90], y[:90], X[90:], y[90:], scales, alphas, n_views=V,
                             block_size=32)
    assert sorted(errs) == [(g, a) for g in scales for a in alphas]
    for (g, a), e in errs.items():
        clf = GaussianKernelRidgeClassifier(gamma_scale=g, alpha=a, n_views=V,
                                            block_size=32).fit(X[:90], y[:90])
        assert e == pytest.approx(100 * np.mean(clf.predict(X[90:]) != y[90:]))
    assert len(set(errs.values())) > 1  # the grid matters on this problem
    with pytest.raises(ValueError, match="alphas is empty"):
        validation_errors(X[:90], y[:90], X[90:], y[90:], scales, ())
    with pytest.raises(ValueError, match="at least 2 classes"):  # the classifier's own checks
        validation_errors(X[:90], np.zeros(90), X[90:], y[90:], scales, alphas)
    with pytest.raises(ValueError, match="features"):
        validation_errors(X[:90], y[:90], X[90:, :-1], y[90:], scales, alphas)
