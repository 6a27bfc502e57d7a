"""Image files through apply: read as a viewer shows them, modes kept, nothing overwritten,
unsupported files refused with the reason."""

import numpy as np
import pytest
from conftest import random_pixels
from PIL import Image

from tfgan_image import apply, errors, export, image_files


@pytest.mark.parametrize("mode,shape,dtype,suffix,written", [
    ("L", (20, 28), np.uint8, ".png", "L"),
    ("LA", (20, 28, 2), np.uint8, ".png", "LA"),
    ("RGB", (20, 28, 3), np.uint8, ".png", "RGB"),
    ("RGBA", (20, 28, 4), np.uint8, ".png", "RGBA"),
    ("I;16", (20, 28), np.uint16, ".png", "I;16"),
    ("I;16", (20, 28), np.uint16, ".tif", "I;16"),
    ("RGBA", (20, 28, 4), np.uint8, ".jpg", "RGB"),    # JPEG stores no alpha: a note says so
    ("LA", (20, 28, 2), np.uint8, ".jpg", "L"),
])
def test_modes_are_kept_where_the_format_allows(restore_run, tmp_path, capsys, mode, shape,
                                                dtype, suffix, written):
    pixels = random_pixels(shape, dtype)
    source = tmp_path / f"in{suffix if written == mode else '.png'}"
    Image.fromarray(pixels).save(source)
    target = tmp_path / f"out{suffix}"
    apply.apply_files(restore_run, str(source), str(target), tile=16, margin=8)
    with Image.open(target) as image:
        assert image.mode == written and image.size == (28, 20)
        out = np.asarray(image)
    if written in ("LA", "RGBA"):   # the alpha channel is copied, not restored
        np.testing.assert_array_equal(out[..., -1], pixels[..., -1])
    if written == "I;16":           # a real 16-bit result, not 8 bits scaled up
        assert out.dtype == np.uint16 and np.any(out % 257)
    if written != mode:
        assert f"cannot store {mode}; written as {written}" in capsys.readouterr().err


def test_sixteen_bit_colour_tiffs_stay_sixteen_bit_and_pngs_say_they_do_not(restore_run,
                                                                           tmp_path, capsys):
    import tifffile

    pixels = random_pixels((20, 28, 3), np.uint16)
    tifffile.imwrite(tmp_path / "deep.tif", pixels, photometric="rgb")
    apply.apply_files(restore_run, str(tmp_path / "deep.tif"), str(tmp_path / "out.tif"),
                      tile=16, margin=8)
    out = tifffile.imread(tmp_path / "out.tif")
    assert out.dtype == np.uint16 and out.shape == (20, 28, 3) and np.any(out % 257)
    apply.apply_files(restore_run, str(tmp_path / "deep.tif"), str(tmp_path / "out.png"),
                      tile=16, margin=8)
    assert "cannot store RGB;16; written as RGB" in capsys.readouterr().err
    assert Image.open(tmp_path / "out.png").mode == "RGB"


@pytest.mark.parametrize("orientation", range(1, 9))
def test_tiff_orientation_matches_pillows(orientation):
    """The 16-bit TIFF path orients pixels itself: as Pillow's exif_transpose does."""
    import io

    from PIL import ImageOps

    pixels = random_pixels((5, 7, 3))
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", exif=exif)
    expected = np.asarray(ImageOps.exif_transpose(Image.open(buffer)))
    np.testing.assert_array_equal(image_files._orient(pixels, orientation), expected)


def test_exif_orientation_is_applied(restore_run, tmp_path):
    pixels = random_pixels((20, 36, 3))          # stored landscape, tagged "rotate 90 CW"
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(pixels).save(tmp_path / "phone.jpg", exif=exif, quality=95)
    read = image_files.read(str(tmp_path / "phone.jpg"))
    assert read.pixels.shape == (36, 20, 3)      # as a viewer shows it: portrait
    apply.apply_files(restore_run, str(tmp_path / "phone.jpg"), str(tmp_path / "out.png"),
                      tile=16, margin=8)
    with Image.open(tmp_path / "out.png") as image:
        assert image.size == (20, 36) and image.getexif().get(0x0112) in (None, 1)


def write_case(folder, case):
    """One input file of a refusal case in ``folder``; returns (path, reason expected)."""
    path = folder / f"{case}.png"
    if case == "animated":
        path = folder / "animated.gif"
        frames = [Image.fromarray(random_pixels((8, 8, 3), seed=s)) for s in range(3)]
        frames[0].save(path, save_all=True, append_images=frames[1:])
        return path, "has 3 frames"
    if case == "float":
        path = folder / "float.tif"
        Image.fromarray(np.random.default_rng(0).random((8, 8)).astype(np.float32)).save(path)
        return path, "float pixels"
    if case == "too_large":
        Image.new("L", (3000, 2000)).save(path)   # 6 MP, above the 5 MP limit set below
        return path, "too large: 3000x2000"
    if case == "corrupt":
        path.write_bytes(b"\x89PNG\r\n\x1a\ntruncated")
        return path, "corrupt or not an image"
    Image.fromarray(random_pixels((16, 16, 3))).save(path)
    return path, None


@pytest.mark.parametrize("case", ["animated", "float", "too_large", "corrupt"])
def test_unsupported_files_are_refused_alone_and_skipped_in_a_folder(restore_run, tmp_path,
                                                                      case):
    folder = tmp_path / "in"
    folder.mkdir()
    bad, reason = write_case(folder, case)
    good, _ = write_case(folder, "good")
    with pytest.raises(apply.ApplyError, match=reason):
        apply.apply_files(restore_run, str(bad), str(tmp_path / "alone.png"),
                          max_megapixels=5)
    assert not (tmp_path / "alone.png").exists()
    report = dict(apply.apply_files(restore_run, str(folder), str(tmp_path / "out"), tile=16,
                                    max_megapixels=5))
    assert report[str(bad)].startswith("skipped") and reason in report[str(bad)]
    assert report[str(good)] == str(tmp_path / "out" / good.name)


def test_an_output_folder_inside_the_input_folder_overwrites_no_input(restore_run, tmp_path):
    folder = tmp_path / "photos"
    (folder / "sub").mkdir(parents=True)
    Image.fromarray(random_pixels((16, 16, 3), seed=1)).save(folder / "x.png")
    original = random_pixels((16, 16, 3), seed=2)
    Image.fromarray(original).save(folder / "sub" / "x.png")
    report = dict(apply.apply_files(restore_run, str(folder), str(folder / "sub"), tile=16,
                                    overwrite=True))
    np.testing.assert_array_equal(np.asarray(Image.open(folder / "sub" / "x.png")), original)
    assert "is an input file" in report[str(folder / "x.png")]
    assert report[str(folder / "sub" / "x.png")] == str(folder / "sub" / "sub" / "x.png")


def test_existing_outputs_are_kept_unless_overwrite(restore_run, tmp_path):
    source = tmp_path / "in.png"
    Image.fromarray(random_pixels((16, 16, 3))).save(source)
    (tmp_path / "result.png").write_bytes(b"the user's own file")
    with pytest.raises(apply.ApplyError, match="exists; pass --overwrite"):
        apply.apply_files(restore_run, str(source), str(tmp_path / "result.png"))
    assert (tmp_path / "result.png").read_bytes() == b"the user's own file"
    apply.apply_files(restore_run, str(source), str(tmp_path / "result.png"), overwrite=True)
    assert Image.open(tmp_path / "result.png").size == (16, 16)


def test_an_unwritable_output_is_one_clear_error_and_leaves_nothing(restore_run, tmp_path):
    source = tmp_path / "in.png"
    Image.fromarray(random_pixels((16, 16, 3))).save(source)
    (tmp_path / "afile").write_text("a file where a folder should be")
    with pytest.raises(apply.ApplyError, match="Cannot write .*afile/out.png"):
        apply.apply_files(restore_run, str(source), str(tmp_path / "afile" / "out.png"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "in.png"]


def test_an_unknown_output_extension_is_refused_before_any_work(tmp_path):
    source = tmp_path / "in.png"
    Image.fromarray(random_pixels((16, 16, 3))).save(source)
    # The run directory does not exist: the output is checked before the model is loaded.
    with pytest.raises(apply.ApplyError, match="unknown image file extension"):
        apply.apply_files(str(tmp_path / "no_run"), str(source), str(tmp_path / "out.xyz"))


def test_generators_given_to_the_wrong_command_are_refused(latent_and_texture_runs,
                                                          restore_run, tmp_path):
    from tfgan_image import sample

    latent, spatial = latent_and_texture_runs
    source = tmp_path / "in.png"
    Image.fromarray(random_pixels((16, 16, 3))).save(source)
    for run, kind in [(latent, "latent-vector GAN"), (spatial, "texture generator")]:
        with pytest.raises(apply.ApplyError, match=f"{kind}.*tfgan_image.sample"):
            apply.apply_files(run, str(source), str(tmp_path / "out.png"))
    with pytest.raises(errors.RunError, match="image-to-image model.*tfgan_image.apply"):
        sample.sample(restore_run, num=1)


def test_a_damaged_generator_file_is_a_clear_error(tmp_path):
    (tmp_path / export.GENERATOR_FILE).write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(errors.RunError, match="Cannot load .*generator.keras: damaged"):
        export.load_generator(str(tmp_path))


def test_concurrent_writers_of_one_file_never_share_a_temporary_file(tmp_path):
    """Two apply processes (here threads) writing the same output: each writes its own
    temporary file, the target is always one whole image, nothing is left behind."""
    import threading

    from tfgan_image.atomic import temp_path

    target = str(tmp_path / "out.png")
    assert temp_path(target) != temp_path(target) and temp_path(target).endswith(".png")
    images = [random_pixels((64, 64, 3), seed=s) for s in range(4)]
    errors = []

    def writer(pixels):
        try:
            for _ in range(5):
                image_files.write(pixels, "RGB", target, overwrite=True)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(p,)) for p in images]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    written = np.asarray(Image.open(target))
    assert any(np.array_equal(written, p) for p in images)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.png"]


def test_concurrent_exports_leave_one_loadable_generator(tmp_path):
    import threading

    import keras

    from tfgan_image.models import restoration as restoration_models

    generator = restoration_models.build_generator(widths=(4, 8), convs_per_level=1)
    threads = [threading.Thread(target=export.export_generator, args=(generator, str(tmp_path)))
               for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(p.name for p in tmp_path.iterdir()) == [export.GENERATOR_FILE]
    assert keras.models.load_model(tmp_path / export.GENERATOR_FILE).count_params() == \
        generator.count_params()


@pytest.mark.slow
def test_the_stress_script_holds_on_a_damaged_folder_and_concurrent_processes():
    """tools/stress_faults.py at its smallest: damaged files through apply, and real apply
    and sample processes writing the same outputs at once."""
    import subprocess
    import sys

    from conftest import REPO_ROOT

    done = subprocess.run([sys.executable, "tools/stress_faults.py", "--files=36",
                           "--writers=2"], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    assert done.stdout.count("held") == 8 and "FAILED" not in done.stdout
