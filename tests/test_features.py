"""tfgan_image.features: the VGG feature networks of the losses and evaluations, offline
fallbacks, cached ImageNet weights, the image features of FD / KID, and the digit judges."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan_image import features, losses
from tfgan_image.data import sources


def test_vgg_features_and_perceptual_loss_offline():
    extractor = features.vgg_features(("block1", "block3"))
    x = tf.random.uniform((2, 32, 32, 3), -1, 1)
    relu1_2, relu3_3 = extractor(x)
    assert relu1_2.shape == (2, 32, 32, 64) and relu3_3.shape == (2, 8, 8, 256)
    assert float(losses.perceptual_loss(extractor, x, x)) == 0.0
    assert float(losses.perceptual_loss(extractor, x, tf.reverse(x, [1]))) > 0.0
    with pytest.raises(ValueError, match="Unknown VGG stages"):
        features.vgg_features(("conv5_4",))


def test_feature_backbone_falls_back_to_hed_offline(monkeypatch, tmp_path):
    probes = []

    def offline(host_port, *args, **kwargs):
        probes.append(host_port)
        return False

    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))   # no cached weights
    monkeypatch.setattr(sources, "network_available", offline)
    monkeypatch.setattr(features, "_BACKBONES", {})
    name, model = features.feature_backbone("auto")
    assert name == "hed_vgg16" and probes == [features.IMAGENET_DOWNLOAD_HOST]
    assert len(model.outputs) == 5 and not model.trainable
    with pytest.raises(features.BackboneUnavailableError, match="hed_vgg16"):
        features.feature_backbone("vgg19_imagenet")
    with pytest.raises(ValueError, match="Unknown feature backbone"):
        features.feature_backbone("resnet")


def write_legacy_h5_weights(model, path):
    """``model``'s weights in the layout keras.applications downloads: a Keras 2 HDF5 file
    (attrs layer_names; one group per layer, its weight_names and one dataset each)."""
    import h5py

    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [layer.name.encode() for layer in model.layers]
        f.attrs["backend"], f.attrs["keras_version"] = b"tensorflow", b"2.15.0"
        for layer in model.layers:
            group = f.create_group(layer.name)
            names = [f"{layer.name}/{w.name}:0" for w in layer.weights]
            group.attrs["weight_names"] = [n.encode() for n in names]
            for name, weight in zip(names, layer.weights):
                group.create_dataset(name, data=np.asarray(weight))


def test_feature_backbone_uses_cached_vgg19_weights(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(features, "_BACKBONES", {})
    monkeypatch.setattr(sources, "network_available", lambda *a, **k: pytest.fail("probed"))
    os.makedirs(tmp_path / "models")
    reference = keras.applications.VGG19(weights=None, include_top=False)
    write_legacy_h5_weights(reference, features.vgg19_weights_path())
    extractor = features.vgg_features(("block1", "block5"), backbone="auto")
    assert extractor.name == "vgg19_imagenet_features"
    images = np.random.default_rng(0).uniform(-1, 1, (1, 32, 32, 3)).astype(np.float32)
    relu1_2, relu5_4 = extractor(images)
    assert relu1_2.shape == (1, 32, 32, 64) and relu5_4.shape == (1, 2, 2, 512)
    caffe = (images + 1) * 127.5
    caffe = caffe[..., ::-1] - np.array(features.CAFFE_BGR_MEAN, np.float32)
    expected = keras.Model(reference.inputs, reference.get_layer("block1_conv2").output)(caffe)
    np.testing.assert_allclose(relu1_2, expected, rtol=1e-4, atol=1e-3)


def test_evaluation_features_fall_back_offline(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))   # no cached weights
    monkeypatch.setattr(sources, "network_available", lambda *a, **k: False)
    with pytest.raises(features.BackboneUnavailableError, match="--eval_features=vgg16"):
        features.image_features("inception_v3")
    network = features.image_features("auto", image_size=32)
    assert network.name == "vgg16" and "not comparable" in network.label
    values = network(np.zeros((3, 32, 32, 1), np.float32))   # greyscale works too
    assert values.shape == (3, 512) and np.all(np.isfinite(values))


def test_vgg16_evaluation_features_are_on_the_scale_kid_expects():
    """KID's kernel (x.y / d + 1)^3 is well conditioned for features of RMS ~0.1-1 (unscaled
    block5 features of photos have ~10, where real-vs-real KIDs swing by hundreds)."""
    photo = sources.embedded_photos().train[0].astype(np.float32) / 127.5 - 1.0
    crops = np.stack([photo[i:i + 32, j:j + 32] for i in range(0, 128, 32)
                      for j in range(0, 128, 32)])
    values = features.image_features("vgg16", image_size=32, verbose=False)(crops)
    assert 0.1 < np.sqrt(np.mean(np.square(values))) < 2.0


@pytest.mark.parametrize("judge", sorted(features.DIGIT_JUDGES))
def test_shipped_digit_judges_load_without_training_and_read_held_out_digits(
        judge, monkeypatch, tmp_path):
    """Both judges come from the package (nothing trained, nothing written to the cache) and
    reach their recorded held-out accuracy."""
    from tfgan_image.data import pipeline

    monkeypatch.setenv("TFGAN_IMAGE_CACHE", str(tmp_path))
    monkeypatch.setattr(features, "train_digit_classifier", None)   # any training fails
    classifier = features.digit_classifier(judge=judge)
    splits = sources.embedded_mnist()
    _, logits = classifier(pipeline.to_unit_range(splits.held_out).numpy())
    accuracy = float(np.mean(np.argmax(logits, 1) == splits.held_out_labels))
    assert accuracy == pytest.approx(classifier.held_out_accuracy, abs=1e-3)
    assert accuracy >= features.DIGIT_CLASSIFIER_MIN_ACCURACY
    assert os.listdir(tmp_path) == []


def test_a_judge_missing_from_the_package_is_trained_once_and_cached(monkeypatch, tmp_path):
    """Without its shipped file the judge is trained (here one short epoch) into the cache, and
    the next call loads the cached file instead of training again."""
    train = features.train_digit_classifier
    monkeypatch.setattr(features, "SHIPPED_JUDGES_DIR", str(tmp_path / "not_shipped"))
    monkeypatch.setenv("TFGAN_IMAGE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(features, "DIGIT_CLASSIFIER_MIN_ACCURACY", 0.8)
    monkeypatch.setattr(features, "train_digit_classifier",
                        lambda splits, judge: train(splits, epochs=1, judge=judge))
    trained = features.digit_classifier(verbose=False)
    assert trained.held_out_accuracy > 0.8
    assert sorted(os.listdir(tmp_path / "cache")) == [
        "digit_classifier_v2.keras", "digit_classifier_v2.keras.json",
        "digit_classifier_v2.keras.lock"]
    monkeypatch.setattr(features, "train_digit_classifier", None)
    cached = features.digit_classifier(verbose=False)
    assert cached.held_out_accuracy == trained.held_out_accuracy
