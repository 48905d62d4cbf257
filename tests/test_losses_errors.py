"""Bad input to the losses gets a clear exception that says what to do."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import functional as NF

L = mg.losses
Y = np.array([0.0, 1.0, 1.0])


class TestProbabilities:
    @pytest.mark.parametrize("fn", [L.binary_crossentropy, L.binary_focal_crossentropy,
                                    lambda y, p: L.BinaryCrossentropy()(y, p)])
    def test_keras_outside_unit_interval_suggests_from_logits(self, fn):
        with pytest.raises(ValueError, match=r"y_pred holds values outside \[0, 1\] \(min -2\.3, "
                                             r"max 4\.1\); pass from_logits=True"):
            fn(Y, np.array([-2.3, 0.5, 4.1]))

    def test_keras_nan(self):
        with pytest.raises(ValueError, match="y_pred holds NaN; pass from_logits=True"):
            L.binary_crossentropy(Y, np.array([np.nan, 0.5, 0.5]))

    def test_keras_categorical(self):
        with pytest.raises(ValueError, match="from_logits=True"):
            L.categorical_crossentropy([[1, 0]], [[2.0, -1.0]])
        with pytest.raises(ValueError, match="from_logits=True"):
            L.sparse_categorical_crossentropy([0], [[2.0, -1.0]])
        with pytest.raises(ValueError, match="sums to 0"):
            L.categorical_crossentropy([[1, 0]], [[0.0, 0.0]])

    def test_torch_bce_suggests_the_logits_loss(self):
        with pytest.raises(ValueError, match="BCEWithLogitsLoss"):
            mg.nn.BCELoss()(mg.tensor([1.5, 0.5]), mg.tensor([1.0, 0.0]))
        with pytest.raises(ValueError, match="NaN"):
            mg.nn.BCELoss()(mg.tensor([np.nan, 0.5]), mg.tensor([1.0, 0.0]))


class TestTargets:
    @pytest.mark.parametrize("call", [
        lambda: L.binary_crossentropy([2.0, 0.0], [0.5, 0.5]),
        lambda: L.binary_crossentropy([-1.0, 0.0], [0.5, 0.5], from_logits=True),
        lambda: L.binary_focal_crossentropy([2.0, 0.0], [0.5, 0.5]),
        lambda: mg.nn.BCELoss()(mg.tensor([0.5]), mg.tensor([1.5])),
        lambda: mg.nn.BCEWithLogitsLoss()(mg.tensor([0.5]), mg.tensor([-0.5])),
        lambda: NF.sigmoid_focal_loss(mg.tensor([0.5]), mg.tensor([3.0])),
    ])
    def test_bce_targets_outside_unit_interval(self, call):
        with pytest.raises(ValueError, match=r"must hold probabilities in \[0, 1\]"):
            call()


class TestShapes:
    def test_trailing_axis_is_fine_and_never_an_outer_product(self):
        per = L.binary_crossentropy(np.zeros(5), np.full((5, 1), 0.5))
        assert per.shape == (5,)
        assert L.BinaryCrossentropy()(np.zeros(5), np.full((5, 1), 0.5)).shape == ()

    @pytest.mark.parametrize("call", [
        lambda: L.binary_crossentropy(np.zeros(5), np.full((5, 2), 0.5)),
        lambda: L.binary_crossentropy(np.zeros(4), np.full(5, 0.5)),
        lambda: L.mean_squared_error(np.zeros((5, 1, 1)), np.zeros(5)),
        lambda: L.categorical_crossentropy(np.eye(3), np.full((3, 4), 0.25)),
        lambda: mg.nn.MSELoss()(mg.zeros(5), mg.zeros(5, 1)),
        lambda: mg.nn.BCELoss()(mg.ones(5) * 0.5, mg.zeros(5, 1)),
        lambda: mg.nn.BCEWithLogitsLoss()(mg.zeros(3), mg.zeros(1)),
        lambda: mg.nn.KLDivLoss()(mg.zeros(2, 3), mg.ones(3) / 3),
    ])
    def test_other_mismatches_raise(self, call):
        with pytest.raises(ValueError, match="must match|never broadcasts"):
            call()

    def test_sparse_label_shape(self):
        with pytest.raises(ValueError, match=r"needs labels of shape \(3,\)"):
            L.sparse_categorical_crossentropy([0, 1], np.full((3, 2), 0.5))
        with pytest.raises(ValueError, match=r"labels of shape \(3,\) \(class indices"):
            mg.nn.CrossEntropyLoss()(mg.zeros(3, 2), [0, 1])


class TestLabels:
    def test_non_integer_labels(self):
        with pytest.raises(ValueError, match="integer class labels, got 1.5"):
            L.sparse_categorical_crossentropy([0, 1.5], np.full((2, 3), 1 / 3))
        with pytest.raises(ValueError, match="integer class labels, got 0.5"):
            mg.nn.CrossEntropyLoss()(mg.zeros(2, 3), np.array([0.5, 1.0]))
        with pytest.raises(TypeError, match="integer class labels"):
            mg.nn.NLLLoss()(mg.zeros(2, 3), np.array([True, False]))

    def test_out_of_range_names_the_label_and_the_range(self):
        with pytest.raises(IndexError, match=r"label 3, outside the valid range \[0, 2\] for 3"):
            L.sparse_categorical_crossentropy([0, 3], np.full((2, 3), 1 / 3))
        with pytest.raises(IndexError, match=r"label -1, outside the valid range \[0, 2\]"):
            mg.nn.CrossEntropyLoss()(mg.zeros(2, 3), [-1, 0])
        with pytest.raises(IndexError, match="label 7"):
            mg.nn.NLLLoss(ignore_index=5)(mg.zeros(2, 3), [5, 7])

    def test_all_targets_ignored(self):
        with pytest.raises(ValueError, match="mean is over zero targets"):
            mg.nn.CrossEntropyLoss(ignore_index=1)(mg.zeros(2, 3), [1, 1])
        assert mg.nn.CrossEntropyLoss(ignore_index=1, reduction="sum")(
            mg.zeros(2, 3), [1, 1]).item() == 0.0


class TestWeights:
    def test_class_weight_length(self):
        with pytest.raises(ValueError, match=r"weight must have one entry per class \(3\)"):
            mg.nn.CrossEntropyLoss(weight=mg.ones(2))(mg.zeros(2, 3), [0, 1])
        with pytest.raises(ValueError, match="one entry per class"):
            mg.nn.NLLLoss(weight=mg.ones(4))(mg.zeros(2, 3), [0, 1])

    def test_bce_weight_and_pos_weight(self):
        with pytest.raises(ValueError, match=r"weight of shape \(2,\) does not fit input"):
            mg.nn.BCELoss(weight=mg.ones(2))(mg.ones(4, 3) * 0.5, mg.zeros(4, 3))
        with pytest.raises(ValueError, match=r"pos_weight of shape \(4,\) does not fit"):
            mg.nn.BCEWithLogitsLoss(pos_weight=mg.ones(4))(mg.zeros(4, 3), mg.zeros(4, 3))

    def test_sample_weight_length(self):
        with pytest.raises(ValueError, match=r"sample_weight has shape \(3,\) but the losses "
                                             r"have shape \(4,\)"):
            L.BinaryCrossentropy()(np.zeros((4, 2)), np.full((4, 2), 0.5), sample_weight=np.ones(3))


class TestOptions:
    def test_unknown_reduction_lists_the_valid_ones(self):
        with pytest.raises(ValueError, match="unknown reduction 'avg'; valid reductions are "
                                             "'sum_over_batch_size', 'mean', 'sum', "
                                             "'mean_with_sample_weight', 'none'"):
            L.BinaryCrossentropy(reduction="avg")
        with pytest.raises(ValueError, match="valid reductions are 'mean', 'sum', 'none'"):
            mg.nn.MSELoss(reduction="batchmean")
        with pytest.raises(ValueError, match="'batchmean'"):
            NF.kl_div(mg.zeros(2), mg.zeros(2), reduction="avg")

    @pytest.mark.parametrize("call", [
        lambda: L.BinaryCrossentropy(label_smoothing=1.5),
        lambda: L.binary_crossentropy([0.0], [0.5], label_smoothing=-0.1),
        lambda: L.categorical_crossentropy([[1, 0]], [[0.5, 0.5]], label_smoothing=2),
        lambda: mg.nn.CrossEntropyLoss(label_smoothing=1.1),
        lambda: NF.cross_entropy(mg.zeros(1, 2), [0], label_smoothing=-1),
    ])
    def test_label_smoothing_outside_unit_interval(self, call):
        with pytest.raises(ValueError, match=r"label_smoothing must be in \[0, 1\]"):
            call()

    def test_huber_delta(self):
        with pytest.raises(ValueError, match="delta must be positive"):
            L.huber([0.0], [1.0], delta=0)
