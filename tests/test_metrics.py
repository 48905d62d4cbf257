"""mg.metrics against scikit-learn: random labels and scores, edge cases, bad input."""
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad import metrics

skm = pytest.importorskip("sklearn.metrics")

EXACT = dict(rel=1e-12, abs=1e-15)


def _quiet(fn, *args, **kwargs):
    """Call a scikit-learn metric with its warnings silenced (for undefined cases)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


@st.composite
def label_pairs(draw, max_classes=4):
    n = draw(st.integers(1, 40))
    k = draw(st.integers(1, max_classes))
    labels = st.lists(st.integers(0, k - 1), min_size=n, max_size=n)
    return np.array(draw(labels)), np.array(draw(labels))


@st.composite
def binary_scores(draw, both_classes=True):
    n = draw(st.integers(2, 40))
    y = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    if both_classes:
        y[0], y[1] = 0, 1
    # few distinct values, so ties are common
    s = np.array(draw(st.lists(st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.5, 0.75, 1.0, 3.0, -2.0])
                               | st.floats(-5, 5), min_size=n, max_size=n)))
    return y, s


# ---------------------------------------------------------------- accuracy
@given(label_pairs())
def test_accuracy_equals_sklearn(pair):
    y, p = pair
    assert metrics.accuracy(y, p) == skm.accuracy_score(y, p)


def test_accuracy_takes_rows_tensors_and_onehot():
    logits = mg.tensor([[0.2, 3.1, 0.0], [1.5, -0.3, 0.2], [0.0, 0.1, 0.2]], requires_grad=True)
    y = [1, 0, 0]
    assert metrics.accuracy(y, logits) == pytest.approx(2 / 3, rel=1e-15)
    assert metrics.accuracy(np.eye(3)[y], logits) == metrics.accuracy(y, logits)
    assert metrics.accuracy(mg.tensor(np.array(y)), logits.argmax(axis=1)) == 2 / 3
    assert isinstance(metrics.accuracy([1], [1]), float)


@given(binary_scores(both_classes=False), st.sampled_from([0.0, 0.25, 0.5, 0.75]))
def test_binary_accuracy_equals_sklearn(pair, threshold):
    y, s = pair
    assert metrics.binary_accuracy(y, s, threshold) == skm.accuracy_score(y, s > threshold)
    assert metrics.binary_accuracy(y[:, None], s[:, None], threshold) == \
        metrics.binary_accuracy(y, s, threshold)


def test_binary_accuracy_threshold_is_strict():
    assert metrics.binary_accuracy([0, 1], [0.5, 0.5]) == 0.5


# -------------------------------------------------- precision, recall, f1
@pytest.mark.parametrize("ours, theirs", [(metrics.precision, skm.precision_score),
                                          (metrics.recall, skm.recall_score),
                                          (metrics.f1_score, skm.f1_score)])
@given(pair=label_pairs(max_classes=2), pos_label=st.sampled_from([0, 1]))
def test_binary_scores_equal_sklearn(ours, theirs, pair, pos_label):
    y, p = pair
    expected = theirs(y, p, pos_label=pos_label, zero_division=0.0)
    assert ours(y, p, pos_label=pos_label) == pytest.approx(expected, **EXACT)


@pytest.mark.parametrize("ours, theirs", [(metrics.precision, skm.precision_score),
                                          (metrics.recall, skm.recall_score),
                                          (metrics.f1_score, skm.f1_score)])
@pytest.mark.parametrize("average", ["macro", "micro", "weighted"])
@given(pair=label_pairs())
def test_averaged_scores_equal_sklearn(ours, theirs, average, pair):
    y, p = pair
    expected = theirs(y, p, average=average, zero_division=0.0)
    assert ours(y, p, average=average) == pytest.approx(expected, **EXACT)


@pytest.mark.parametrize("ours, theirs", [(metrics.precision, skm.precision_score),
                                          (metrics.recall, skm.recall_score),
                                          (metrics.f1_score, skm.f1_score)])
@pytest.mark.parametrize("y, p", [([0, 0, 0], [0, 0, 0]),       # no positives at all
                                  ([1, 1, 1], [0, 0, 0]),       # none predicted
                                  ([0, 0, 0], [1, 1, 0]),       # none present
                                  ([1, 0, 1], [1, 0, 1])])      # perfect
def test_undefined_cases_give_zero_as_sklearn_default(ours, theirs, y, p):
    expected = _quiet(theirs, y, p)                  # zero_division="warn": 0.0 and a warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")               # we do not warn
        assert ours(y, p) == expected


def test_other_label_values_and_pos_label():
    y, p = [-1, 1, 1, -1], [1, 1, -1, -1]
    assert metrics.precision(y, p, pos_label=-1) == skm.precision_score(y, p, pos_label=-1)
    with pytest.raises(ValueError, match=r"pos_label=1 is not a valid label.*\[0, 2\]"):
        metrics.recall([0, 2], [2, 0])


def test_binary_average_refuses_multiclass():
    with pytest.raises(ValueError, match="average='binary' needs at most two.*'macro'"):
        metrics.f1_score([0, 1, 2], [0, 1, 1])


def test_unknown_average_and_bad_pos_label():
    with pytest.raises(ValueError, match="average must be"):
        metrics.precision([0, 1], [0, 1], average="samples")
    with pytest.raises(TypeError, match="pos_label must be an int"):
        metrics.recall([0, 1], [0, 1], pos_label="1")


def test_many_classes_and_samples():
    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 1000, 200_000), rng.integers(0, 1000, 200_000)
    for average in ("macro", "weighted"):
        assert metrics.f1_score(y, p, average=average) == pytest.approx(
            skm.f1_score(y, p, average=average), **EXACT)


@pytest.mark.parametrize("ours, theirs", [(metrics.precision, skm.precision_score),
                                          (metrics.recall, skm.recall_score),
                                          (metrics.f1_score, skm.f1_score)])
def test_weighted_average_weighs_by_support_as_sklearn(ours, theirs):
    y, p = [0, 0, 0, 0, 1, 2, 2, 3], [0, 0, 1, 3, 1, 2, 0, 4]    # 4 only predicted: weight 0
    expected = theirs(y, p, average="weighted", zero_division=0.0)
    assert ours(y, p, average="weighted") == pytest.approx(expected, **EXACT)
    assert ours(y, p, average="weighted") != ours(y, p, average="macro")


# ----------------------------------------------------------------- roc_auc
@given(binary_scores())
def test_roc_auc_equals_sklearn(pair):
    y, s = pair
    assert metrics.roc_auc(y, s) == pytest.approx(skm.roc_auc_score(y, s), **EXACT)


def test_roc_auc_edge_cases():
    assert metrics.roc_auc([0, 1, 0, 1], [0.1, 0.9, 0.2, 0.8]) == 1.0
    assert metrics.roc_auc([0, 1, 0, 1], [0.9, 0.1, 0.8, 0.2]) == 0.0
    assert metrics.roc_auc([0, 1, 0, 1], [0.5] * 4) == 0.5
    y, s = [0, 1, 1, 0, 1], np.float32([0.3, 0.3, 0.7, 0.7, 0.1])
    assert metrics.roc_auc(y, s) == pytest.approx(skm.roc_auc_score(y, s), **EXACT)
    assert metrics.roc_auc(mg.tensor(np.array(y)), mg.tensor(s)) == metrics.roc_auc(y, s)


@pytest.mark.parametrize("y", [[1, 1, 1], [0, 0, 0]])
def test_roc_auc_with_one_class_does_what_sklearn_does(y):
    """The installed scikit-learn warns (UndefinedMetricWarning, a UserWarning)
    and returns nan."""
    s = [0.2, 0.3, 0.4]
    with pytest.warns(UserWarning, match="Only one class is present in y_true") as theirs:
        expected = skm.roc_auc_score(y, s)
    with pytest.warns(UserWarning, match="Only one class is present in y_true") as ours:
        got = metrics.roc_auc(y, s)
    assert np.isnan(expected) and np.isnan(got)
    assert str(ours[0].message) == str(theirs[0].message)
    assert ours[0].filename == __file__             # it points at the caller


def test_roc_auc_non_binary_labels():
    with pytest.raises(ValueError, match=r"binary labels 0 and 1.*\[0, 1, 2\]"):
        metrics.roc_auc([0, 1, 2], [0.2, 0.3, 0.4])


# -------------------------------------------------------- confusion_matrix
@given(label_pairs())
def test_confusion_matrix_equals_sklearn(pair):
    y, p = pair
    k = int(max(y.max(), p.max())) + 1
    got = metrics.confusion_matrix(y, p)
    np.testing.assert_array_equal(got, _quiet(skm.confusion_matrix, y, p, labels=range(k)))
    assert got.dtype == np.int64
    wider = metrics.confusion_matrix(y, p, num_classes=k + 2)
    assert wider.shape == (k + 2, k + 2) and wider[:k, :k].tolist() == got.tolist()


def test_confusion_matrix_bad_labels():
    with pytest.raises(ValueError, match="out of range for num_classes=2"):
        metrics.confusion_matrix([0, 1, 2], [0, 1, 1], num_classes=2)
    with pytest.raises(ValueError, match="labels must be 0"):
        metrics.confusion_matrix([0, -1], [0, 1])
    with pytest.raises(TypeError, match="num_classes must be a positive int"):
        metrics.confusion_matrix([0, 1], [0, 1], num_classes=2.5)


# ----------------------------------------------------------------- log_loss
@st.composite
def probability_rows(draw):
    n = draw(st.integers(1, 30))
    c = draw(st.integers(2, 4))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    raw = np.array(draw(st.lists(st.sampled_from([0.0, 1e-9, 0.2, 1.0, 3.0]) | st.floats(0, 5),
                                 min_size=n * c, max_size=n * c))).reshape(n, c)
    raw[:, 0] += 1e-3                                   # no all-zero row
    p = (raw / raw.sum(axis=1, keepdims=True)).astype(dtype)
    p = p / p.sum(axis=1, keepdims=True)                # rows sum to 1 in dtype
    y = np.array(draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    return y, p


@given(probability_rows())
def test_log_loss_rows_equal_sklearn(pair):
    y, p = pair
    expected = skm.log_loss(y, p, labels=range(p.shape[1]))
    assert metrics.log_loss(y, p) == pytest.approx(expected, rel=1e-12)


@given(binary_scores(both_classes=False), st.sampled_from([np.float32, np.float64]))
def test_log_loss_binary_equals_sklearn(pair, dtype):
    y, s = pair
    p = (1 / (1 + np.exp(-s))).astype(dtype)
    p[::3] = np.round(p[::3])                           # exact 0 and 1: the clipping matters
    expected = skm.log_loss(y, p, labels=[0, 1])
    assert metrics.log_loss(y, p) == pytest.approx(expected, rel=1e-12)
    assert metrics.log_loss(y, mg.tensor(p)) == metrics.log_loss(y, p)


def test_log_loss_clips_at_machine_epsilon_of_the_dtype():
    for dtype in (np.float32, np.float64):
        eps = np.finfo(dtype).eps
        p = np.array([0.0, 1.0], dtype)
        assert metrics.log_loss([1, 0], p) == pytest.approx(-np.log(dtype(eps)), rel=1e-12)
        assert metrics.log_loss([1, 0], p) == skm.log_loss([1, 0], p)
    assert metrics.log_loss([1], [0.0], eps=1e-7) == pytest.approx(-np.log(1e-7))
    assert metrics.log_loss([0, 1], [0, 1]) == skm.log_loss([0, 1], [0, 1])   # ints: float64


def test_log_loss_onehot_targets():
    p = np.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]])
    assert metrics.log_loss(np.eye(3)[[2, 0]], p) == metrics.log_loss([2, 0], p)


def test_log_loss_bad_input():
    with pytest.raises(ValueError, match=r"outside \[0, 1\].*logits"):
        metrics.log_loss([0, 1], [-0.2, 1.3])
    with pytest.raises(ValueError, match="binary labels"):
        metrics.log_loss([0, 2], [0.2, 0.3])
    with pytest.raises(ValueError, match=r"labels outside 0 \.\. 1"):
        metrics.log_loss([0, 2], [[0.2, 0.8], [0.5, 0.5]])
    with pytest.raises(ValueError, match="eps must be"):
        metrics.log_loss([0, 1], [0.2, 0.3], eps=0.7)
    with pytest.warns(UserWarning, match="do not sum to one"):
        metrics.log_loss([0, 1], [[0.2, 0.3], [0.5, 0.5]])


# --------------------------------------------------------------- bad input
@pytest.mark.parametrize("fn", [metrics.accuracy, metrics.precision, metrics.recall,
                                metrics.f1_score, metrics.confusion_matrix,
                                metrics.binary_accuracy, metrics.roc_auc, metrics.log_loss])
def test_length_mismatch_is_refused(fn):
    with pytest.raises(ValueError, match="3 samples|shape"):
        fn([0, 1, 1], [0.0, 1.0])


@pytest.mark.parametrize("fn", [metrics.accuracy, metrics.precision, metrics.confusion_matrix])
def test_scores_where_labels_belong(fn):
    with pytest.raises(ValueError, match="non-integer values"):
        fn([0, 1, 1], [0.2, 0.9, 0.6])


@pytest.mark.parametrize("fn", [metrics.binary_accuracy, metrics.roc_auc])
def test_non_binary_labels_for_binary_metrics(fn):
    with pytest.raises(ValueError, match="binary labels 0 and 1"):
        fn([0, 1, 3], [0.2, 0.9, 0.6])


def test_empty_nan_and_strings():
    with pytest.raises(ValueError, match="empty"):
        metrics.accuracy([], [])
    with pytest.raises(ValueError, match="NaN"):
        metrics.roc_auc([0, 1], [0.2, np.nan])
    with pytest.raises(TypeError, match="must hold numbers"):
        metrics.accuracy(["a", "b"], ["a", "b"])


def test_one_column_rows_point_to_binary_accuracy():
    with pytest.raises(ValueError, match="binary_accuracy"):
        metrics.accuracy([0, 1], [[0.2], [0.8]])


def test_exported():
    assert mg.metrics is metrics
    assert set(metrics.__all__) <= set(dir(mg.metrics))
