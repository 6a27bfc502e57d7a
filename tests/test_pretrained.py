"""The pretrained models shipped with the package: each loads and gives its recorded output."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO_ROOT

from tfgan_image import pretrained

EXPECTED = os.path.join(REPO_ROOT, "tests", "data", "pretrained_expected.npz")
SHIPPED = sorted(pretrained.registry())


def test_models_are_shipped_with_weights_cards_and_expected_outputs():
    assert "mnist_dcgan" in SHIPPED
    expected = np.load(EXPECTED)
    for name in SHIPPED:
        assert os.path.exists(pretrained.weights_path(name))
        assert os.path.exists(pretrained.card_path(name))
        assert name in expected.files


def test_every_card_gives_the_commands_of_its_recipe():
    """tools/zoo.py's recipes and the shipped cards do not drift apart."""
    script = ("import json; import zoo as p; "
              "p.FLAGS(['p', '--runs=/tmp/RUNS', '--data_root=/tmp/DATA_ROOT']); "
              "print(json.dumps({n: [p.shown_command(n, first) "
              "for first in ((True, False) if r.get('continues') else (False,))] "
              "for n, r in p.RECIPES.items()}))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=os.path.join(REPO_ROOT, "tools"), check=True)
    commands = json.loads(out.stdout)
    assert sorted(commands) == SHIPPED
    for name, lines in commands.items():
        with open(pretrained.card_path(name)) as f:
            card = f.read()
        for line in lines:
            assert f"    {line}\n" in card, (name, line)


@pytest.mark.parametrize("name", SHIPPED)
def test_each_shipped_model_gives_its_recorded_output(name):
    model = pretrained.load(name)
    output = pretrained.check_output(model, pretrained.entry(name)["kind"])
    expected = np.load(EXPECTED)[name]
    assert output.shape == expected.shape and output.dtype == expected.dtype
    if output.dtype == np.uint8:   # images: at most one level off (CPU arithmetic differs)
        assert np.abs(output.astype(int) - expected).max() <= 1
    else:
        np.testing.assert_allclose(output, expected, atol=2e-3)
    assert model.dtype_policy.name == "float32"


@pytest.mark.parametrize("name", ["denoise", "sr_x4"])
def test_bfloat16_inference_stays_within_a_level_of_float32(name):
    model = pretrained.load(name)
    reference = pretrained.check_output(model, "image_to_image")   # float32
    output = pretrained.apply(model, pretrained.check_input(), precision="mixed_bfloat16")
    difference = np.abs(output.astype(int) - reference)
    assert difference.max() <= 2 and difference.mean() < 0.3


def test_unknown_names_list_the_shipped_ones():
    with pytest.raises(pretrained.UnknownModelError, match="mnist_dcgan"):
        pretrained.load("no_such_model")


@pytest.mark.slow
def test_listing_and_the_sample_cli_work_by_name(tmp_path):
    listing = pretrained.listing()
    for name in SHIPPED:
        assert name in listing
    out = subprocess.run([sys.executable, "-m", "tfgan_image.sample", "--model=mnist_dcgan",
                          "--num=9", f"--output={tmp_path / 'grid.npy'}"], cwd=REPO_ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    samples = np.load(tmp_path / "grid.npy")
    np.testing.assert_allclose(samples, pretrained.sample("mnist_dcgan", 9), atol=2e-3)


def test_float16_weights_load_as_a_float32_model(tmp_path):
    import keras

    from tfgan_image.precision import copy_with_policy

    inputs = keras.Input((None, None, 3))
    model = keras.Model(inputs, keras.layers.Conv2D(3, 3, padding="same")(inputs))
    path = str(tmp_path / "half.keras")
    copy_with_policy(model, "float16").save(path)
    loaded = pretrained.load_file(path)
    assert loaded.dtype_policy.name == "float32"
    assert all(w.dtype == "float32" for w in loaded.weights)
    image = np.random.default_rng(0).uniform(-1, 1, (1, 8, 8, 3)).astype(np.float32)
    np.testing.assert_allclose(loaded(image), model(image), atol=2e-3)


def test_cards_and_the_readme_table_are_rendered_from_models_json():
    """One source: every card and the README's zoo table are what cards.py makes of the
    entries (tools/zoo.py --cards_only rewrites them)."""
    from tfgan_image.pretrained import cards

    registry = pretrained.registry()
    for name, entry in registry.items():
        with open(pretrained.card_path(name)) as f:
            assert f.read() == cards.card_text(dict(entry, name=name)), name
    with open(os.path.join(REPO_ROOT, "README.md")) as f:
        readme = f.read()
    assert cards.zoo_table(registry) in readme


def test_a_comparison_with_a_published_network_shows_its_figure_and_verdict():
    """A style card with a ``published`` entry shows the whole-photo figure beside the
    published output, names the source and gives the by-eye verdict; the figure ships."""
    from tfgan_image.pretrained import cards

    published = {"photo": "style_reference/stata.jpg", "output": "o.jpg", "painting": "p.jpg",
                 "source": "SOURCE-X", "verdict": "VERDICT-Y"}
    entry = dict(pretrained.registry()["style_starry_night"], name="style_x",
                 published=published)
    card = cards.card_text(entry)
    assert "![style_x beside a published network](style_x_published.png)" in card
    assert "SOURCE-X" in card and "VERDICT-Y" in card and "style_reference/stata.jpg" in card
    for name, entry in pretrained.registry().items():
        if entry.get("published"):
            assert os.path.exists(os.path.join(pretrained.FOLDER, f"{name}_published.png"))


def test_every_model_states_its_terms_in_its_entry_card_listing_and_notice():
    listing = pretrained.listing()
    with open(os.path.join(pretrained.FOLDER, "NOTICE")) as f:
        notice = f.read()
    for name in SHIPPED:
        terms = pretrained.terms(name)
        assert terms and terms in listing
        with open(pretrained.card_path(name)) as f:
            assert f"**Terms:** {terms}" in f.read()
        assert name in notice
    assert "research" in pretrained.terms("denoise")


def test_standard_set_scores_sit_beside_cited_published_rows():
    from tfgan_image.pretrained import cards

    for name in ("sr_x4", "sr_x2", "denoise"):
        entry = dict(pretrained.entry(name), name=name)
        assert entry["standard_sets"], name
        card = cards.card_text(entry)
        assert "## Standard test sets" in card and "(published)" in card
        assert f"python -m tfgan_image.benchmark --model={name}" in card
        assert cards.summary(entry).startswith(("Set5", "CBSD68"))


def test_scores_through_the_real_degradation_chain_have_their_command_and_no_published_rows():
    import copy

    from tfgan_image.pretrained import cards

    entry = dict(copy.deepcopy(pretrained.entry("sr_x4")), name="sr_x4")
    bicubic = [r for r in entry["standard_sets"] if r["set"] in ("set5", "set14")]
    real = copy.deepcopy(bicubic)
    for result, psnr in zip(real, (25.5, 24.25)):
        result["setting"].update(degradation="real", seed=0)
        result["mean"]["psnr_y"] = psnr
        result["baseline"]["mean"]["psnr_y"] = psnr - 1
    entry["standard_sets"] = bicubic + real
    card = cards.card_text(entry)
    blocks = card.split("**Set")
    real_blocks = [b for b in blocks if "degradation chain (seeded)" in b]
    assert len(real_blocks) == 2 and not any("(published)" in b for b in real_blocks)
    assert all("--degradation=real --seed=0" in b for b in real_blocks)
    assert sum("(published)" in b for b in blocks) == 2   # the bicubic blocks keep theirs
    assert cards.summary(entry) == ("Set5 / Set14 x4 through Real-ESRGAN's degradation chain: "
                                    "25.50 / 24.25 dB Y-PSNR (bicubic of the same inputs: "
                                    "24.50 / 23.25)")


def test_best_checkpoint_sentence_names_a_better_earlier_checkpoint():
    from tfgan_image.pretrained import cards

    entry = {"curve": [{"step": 1, "minutes": 1, "style_loss": 0.26},
                       {"step": 2, "minutes": 2, "style_loss": 0.29}]}
    assert "not the best validated one (step 1" in cards.best_checkpoint_sentence(entry)
    entry["curve"][1]["style_loss"] = 0.26
    assert "the best validated" in cards.best_checkpoint_sentence(entry)


@pytest.mark.slow
def test_wheel_carries_the_licence_and_the_weights_terms(tmp_path):
    import zipfile

    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                           "--no-build-isolation", "-q", "-w", str(tmp_path), REPO_ROOT],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    [wheel] = [p for p in os.listdir(tmp_path) if p.endswith(".whl")]
    names = zipfile.ZipFile(tmp_path / wheel).namelist()
    assert "tfgan_image/pretrained/NOTICE" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") or n.endswith(".dist-info/LICENSE")
               for n in names), [n for n in names if "dist-info" in n]


def test_the_conditional_model_samples_the_digit_asked_for():
    sevens = pretrained.sample("mnist_conditional", 4, seed=1, label=7)
    assert sevens.shape == (4, 28, 28, 1)
    mixed = pretrained.sample("mnist_conditional", 10, seed=1)
    assert not np.allclose(mixed[0], mixed[7])
    with pytest.raises(pretrained.RunError, match="not a class"):
        pretrained.sample("mnist_conditional", 1, label=10)
    with pytest.raises(pretrained.RunError, match="unconditional"):
        pretrained.sample("mnist_dcgan", 1, label=1)
